/**
 * The boosting loop for log-loss: each round fits a tree to the gradients of the current log-odds on
 * a row sample and a column sample, and training stops once the held-out slice's log-loss has not
 * improved for `patience` rounds, keeping the trees up to its best round.
 */
import { Column, Frame, takeLabels, takeRows } from '../frame';
import { Random } from '../random';
import { stratifiedSplit } from '../split';
import { binCount, binFrame, fitBins, lastThreshold } from './bins';
import { BinTree, TreeParams, growTree, leafOf, newScratch } from './tree';
import { Tree, toValueTree } from './trees';

export interface BoostParams extends TreeParams {
  rounds: number;
  maxBins: number;
  /** Category levels seen on fewer fit rows go with missing values (the enclave sets its k). */
  minLevelCount: number;
  /** Share of the fit rows each tree sees (1: all). */
  rowSample: number;
  /** Share of the columns each tree may split on (1: all). */
  columnSample: number;
  /** Share of the fit rows held out to decide when to stop (0: no early stopping). */
  validationFraction: number;
  /** Rounds without improvement on the held-out rows before stopping. */
  patience: number;
}

export interface Boosted {
  base: number;
  trees: Tree[];
  /** Total split gain per column. */
  importance: number[];
}

const clampP = (p: number): number => Math.min(Math.max(p, 1e-15), 1 - 1e-15);

function logLoss(labels: Uint8Array, raw: Float64Array): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = clampP(1 / (1 + Math.exp(-raw[i])));
    total -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return total / Math.max(labels.length, 1);
}

function addTree(tree: BinTree, binned: Uint8Array, width: number, raw: Float64Array): void {
  for (let i = 0; i < raw.length; i++) raw[i] += tree.value[leafOf(tree, binned, width, i)];
}

function pickColumns(random: Random, width: number, share: number): number[] {
  const all = Array.from({ length: width }, (_, j) => j);
  if (share >= 1) return all;
  random.shuffle(all);
  return all.slice(0, Math.max(1, Math.round(width * share))).sort((a, b) => a - b);
}

function pickRows(random: Random, rows: number, share: number, into: Uint32Array): Uint32Array {
  if (share >= 1) {
    for (let i = 0; i < rows; i++) into[i] = i;
    return into.subarray(0, rows);
  }
  // A xorshift stream seeded from the fit's generator: one cheap 32-bit draw per row is enough for a
  // sampling share, and the sample stays a function of the seed.
  let x = random.nextUint32() | 1;
  const below = share * 2 ** 32;
  let n = 0;
  for (let i = 0; i < rows; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    if (x >>> 0 < below) into[n++] = i;
  }
  return into.subarray(0, n);
}

export function boost(frame: Frame, labels: Uint8Array, p: BoostParams, seed: number, onRound?: (round: number, rounds: number) => void): Boosted {
  const random = new Random(seed);
  const { rest, held } = p.validationFraction > 0 ? stratifiedSplit(labels, p.validationFraction, seed) : { rest: Int32Array.from({ length: frame.rows }, (_, i) => i), held: new Int32Array(0) };
  const fitFrame = takeRows(frame, rest);
  const fitLabels = takeLabels(labels, rest);
  const bins = fitBins(fitFrame, fitLabels, Uint32Array.from({ length: fitFrame.rows }, (_, i) => i), p);
  const width = bins.length;
  const binCounts = bins.map(binCount);
  const lastThresholds = bins.map(lastThreshold);
  const binned = binFrame(fitFrame.columns, bins, fitFrame.rows);
  const heldFrame = takeRows(frame, held);
  const heldLabels = takeLabels(labels, held);
  const heldBinned = binFrame(heldFrame.columns as Column[], bins, heldFrame.rows);

  let positives = 0;
  for (const y of fitLabels) positives += y;
  const rate = clampP(positives / Math.max(fitLabels.length, 1));
  const base = Math.log(rate / (1 - rate));
  const raw = new Float64Array(fitFrame.rows).fill(base);
  const heldRaw = new Float64Array(heldFrame.rows).fill(base);
  const grad = new Float64Array(fitFrame.rows);
  const hess = new Float64Array(fitFrame.rows);

  const scratch = newScratch(fitFrame.rows);
  const sampleBuffer = new Uint32Array(fitFrame.rows);
  const grown: BinTree[] = [];
  let best = { loss: Infinity, trees: 0 };
  for (let round = 0; round < p.rounds; round++) {
    for (let i = 0; i < raw.length; i++) {
      const q = 1 / (1 + Math.exp(-raw[i]));
      grad[i] = q - fitLabels[i];
      hess[i] = Math.max(q * (1 - q), 1e-16);
    }
    const tree = growTree({ binned, width, binCounts, lastThreshold: lastThresholds, grad, hess, sample: pickRows(random, fitFrame.rows, p.rowSample, sampleBuffer), features: pickColumns(random, width, p.columnSample), scratch }, p);
    grown.push(tree);
    addTree(tree, binned, width, raw);
    onRound?.(round + 1, p.rounds);
    if (!heldFrame.rows) continue;
    addTree(tree, heldBinned, width, heldRaw);
    const loss = logLoss(heldLabels, heldRaw);
    if (loss < best.loss - 1e-12) best = { loss, trees: grown.length };
    else if (grown.length - best.trees >= p.patience) break;
  }
  const kept = heldFrame.rows ? grown.slice(0, best.trees) : grown;
  const importance = new Array<number>(width).fill(0);
  for (const tree of kept) tree.feature.forEach((j, n) => j >= 0 && (importance[j] += tree.gain[n]));
  return { base, trees: kept.map((t) => toValueTree(t, bins)), importance: importance.map((g) => Number(g.toPrecision(3))) };
}
