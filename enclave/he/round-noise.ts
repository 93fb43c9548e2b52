/**
 * The noise a Newton round's answer carries before its flood, from the plaintext design and the
 * round's matrix alone: what decides whether the round can be flooded, checked before any SEAL work
 * (every round) and once when a session opens, at the weights the bank starts from.
 */
import { JointlabError } from '../../lab/errors';
import { ParamSetName, slotsOf } from '../../lab/he/params';
import { inverseSpd } from '../../models/linalg';
import { newtonPieces } from '../../models/logistic-core';
import { unfloodableRound } from '../release/training-flood';
import { TrainingDesign } from './design';
import type { FloodReport } from '../../lab/api/he-sessions';
import { DEFAULT_FLOOD, floodSize, matrixL1, noiseEstimate } from './enclave-crypto';

export interface DesignNoise {
  freshL2: number;
  inputL1: number;
  columnL2: number;
}

/** What the flood is sized by that depends on the design alone: computed once per design, not in every round. */
const designNoise = new WeakMap<TrainingDesign, DesignNoise>();

export function noiseInputsOf(design: TrainingDesign, slots: number): DesignNoise {
  const known = designNoise.get(design);
  if (known) return known;
  // Each label ciphertext meets every column; its largest |value| in the block bounds the product.
  let freshSquares = 0;
  for (let start = 0; start < design.uploadRows; start += slots) {
    for (const c of design.aligned) {
      let max = 0;
      for (let i = start; i < Math.min(start + slots, c.length); i++) max = Math.max(max, Math.abs(c[i]));
      freshSquares += max * max;
    }
  }
  const inputL1 = design.aligned.reduce((t, c) => t + c.reduce((a, v) => a + Math.abs(v), 0), 0);
  // A total sums every row's label noise times the row's value: its noise grows with the column's Euclidean norm.
  const columnL2 = design.aligned.reduce((m, c) => Math.max(m, Math.sqrt(c.reduce((a, v) => a + v * v, 0))), 0);
  const inputs = { freshL2: Math.sqrt(freshSquares), inputL1, columnL2 };
  designNoise.set(design, inputs);
  return inputs;
}

/**
 * The round's flood at this matrix (as the SEAL worker will size it), or 422 insufficient_precision
 * when it would leave fewer than the policy's bits; the refusal names no figure (release/training-flood.ts).
 */
export function roundFlood(design: TrainingDesign, paramSet: ParamSetName, matrix: Float64Array, l2: number, when = 'this round'): FloodReport {
  const slots = slotsOf(paramSet);
  const estimate = noiseEstimate(paramSet, { ...noiseInputsOf(design, slots), rows: design.matchedRows, weightL1: matrixL1(matrix, design.names.length) });
  try {
    return floodSize(DEFAULT_FLOOD, estimate, paramSet);
  } catch (e) {
    if (e instanceof JointlabError && e.code === 'insufficient_precision') throw unfloodableRound(when, l2);
    throw e;
  }
}

/**
 * The first round's flood, at zero weights (where the bank's client starts), or 422
 * insufficient_precision: checked when a session opens, so that a design whose first round could not
 * be flooded is refused before the bank encrypts and sends its labels. Later rounds, nearer the
 * optimum, can have less room; they are checked each in turn.
 */
export function firstRoundFlood(design: TrainingDesign, paramSet: ParamSetName, l2: number): FloodReport {
  const D = design.names.length;
  const { hessian } = roundPieces(design, new Array<number>(D).fill(0), l2);
  return roundFlood(design, paramSet, inverseSpd(hessian, D), l2, 'the first round on this design');
}

/** The design's pieces at zero weights, per l2: the opening's check computes them, and the bank's first round (at zero) takes them. */
const atZero = new WeakMap<TrainingDesign, { l2: number; pieces: Readonly<ReturnType<typeof newtonPieces>> }>();

/**
 * A round's label-free pieces (models/logistic-core.ts newtonPieces) at `weights`, not to be changed
 * by the caller: at zero weights, where every session's first round is, those the session's opening
 * computed (about 20 ms of the first round's request otherwise, on a machine whose SEAL workers are busy).
 */
export function roundPieces(design: TrainingDesign, weights: ArrayLike<number>, l2: number): Readonly<ReturnType<typeof newtonPieces>> {
  const zero = Array.prototype.every.call(weights, (w: number) => w === 0);
  const known = zero ? atZero.get(design) : undefined;
  if (known && known.l2 === l2) return known.pieces;
  const pieces = newtonPieces(design.matched, design.matchedRows, weights, l2);
  if (zero) atZero.set(design, { l2, pieces });
  return pieces;
}
