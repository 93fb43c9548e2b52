/**
 * A released logistic regression or scorecard split into the bank's part and the platform's part,
 * whose sum is the model's score: the one decomposition that the enclave (the platform part of
 * consented applicants), the CLI (the bank part and the full score) and the PMML export share.
 */
import { FeatureBinning, binAssigner, binWoe } from '../models/binning';
import { EncodedColumn, Encoder, encode } from '../models/encoding';
import { FeatureRef, Frame } from '../models/frame';
import { sigmoid } from '../models/linalg';
import { LogisticState } from '../models/logistic-regression';
import { ModelFile } from '../models/model';
import { ScorecardState } from '../models/scorecard';
import { JointlabError } from './errors';

/** What a part is measured in: log-odds of default (logistic regression) or scorecard points (higher is safer). */
export type PartUnit = 'logit' | 'points';

export interface FullScore {
  /** Probability of default. */
  score: number;
  /** Scorecard points, for scorecards. */
  points?: number;
}

export interface ModelParts {
  kind: 'lr' | 'scorecard';
  unit: PartUnit;
  /** The model's features held by the platform, in the model's order. */
  platform: FeatureRef[];
  /** The model's features the bank holds itself, in the model's order. */
  bank: FeatureRef[];
  /**
   * The platform features' contribution per row, without the intercept or base points: the frame
   * holds (at least) the platform features.
   */
  platformPart(frame: Frame): Float64Array;
  /** The intercept (or base points) plus the bank features' contribution per row; the frame holds the bank features. */
  bankPart(frame: Frame): Float64Array;
  /** The model's score from the two parts of one row. */
  full(bank: number, platform: number): FullScore;
}

/** Families whose score is a sum of per-feature parts in the log-odds. */
export const SPLITTABLE_KINDS = ['lr', 'scorecard'] as const;

export function isSplittable(kind: string): kind is (typeof SPLITTABLE_KINDS)[number] {
  return (SPLITTABLE_KINDS as readonly string[]).includes(kind);
}

/** What mixes the features in a family that cannot be split, in words for the refusal. */
const MIXING: Record<string, { name: string; why: string }> = {
  mlp: { name: 'an MLP', why: "hidden layers mix the bank's and the platform's features" },
  gbdt: { name: 'a boosted-trees model', why: "a tree splits on the bank's and the platform's features along one path" },
};

/** The refusal every split of a non-additive model gets, with the nearest things that do work. */
export function notSplittable(kind: string): JointlabError {
  const { name, why } = MIXING[kind] ?? { name: `a ${kind} model`, why: 'its parameters do not add up per feature' };
  return new JointlabError(
    'not_splittable',
    `${name}${kind === 'mlp' ? ' model' : ''} cannot be split into a bank part and a platform part: its score is not a sum of per-feature parts (${why}). ` +
      'Train a joint logistic regression or scorecard instead ("model": {"family": "lr"} or {"family": "scorecard"}), whose platform part the enclave returns for consented applicants, ' +
      'or a platform-only model, which scores whole in the enclave (jointlab job score ID --ids FILE)',
    'validation',
  );
}

/** Sum of weight x design column over the encoder's columns picked by `keep` (the weights are in design order). */
function logisticSum(state: LogisticState, keep: (name: string) => boolean, frame: Frame): Float64Array {
  const columns: EncodedColumn[] = [];
  const features: FeatureRef[] = [];
  const weights: number[] = [];
  let at = 0;
  state.encoder.columns.forEach((column, j) => {
    const width = column.kind === 'numeric' ? (column.missingIndicator ? 2 : 1) : column.levels.length;
    if (keep(column.name)) {
      columns.push(column);
      features.push(state.encoder.features[j]);
      weights.push(...state.weights.slice(at, at + width));
    }
    at += width;
  });
  const out = new Float64Array(frame.rows);
  if (!columns.length) return out;
  // The released encoder's own arithmetic on the part's columns: standardization, missing flags, one-hot levels.
  const sub: Encoder = { features, columns };
  const design = encode(sub, frame);
  design.columns.forEach((c, j) => {
    const w = weights[j];
    for (let i = 0; i < frame.rows; i++) out[i] += w * c[i];
  });
  return out;
}

/** Points of the card's features picked by `keep`, per row: -factor x coefficient x WOE of the row's bin. */
function scorecardSum(state: ScorecardState, keep: (name: string) => boolean, frame: Frame): Float64Array {
  const out = new Float64Array(frame.rows);
  for (const { feature, coefficient } of state.selected) {
    const binning: FeatureBinning = state.binnings[feature];
    if (!keep(binning.name)) continue;
    const ref = state.features[feature];
    const column = frame.columns.find((c) => c.name === ref.name);
    if (!column || column.kind !== ref.kind) throw new JointlabError('model_input', `column "${ref.name}" that the model needs is missing or of another kind`);
    const assign = binAssigner(binning);
    for (let i = 0; i < frame.rows; i++) out[i] += -state.factor * coefficient * binWoe(binning, assign(column.values[i]));
  }
  return out;
}

/**
 * Splits `file` along `platformColumns` (the job's platform columns; every other feature of the model
 * is the bank's). Throws `not_splittable` for a model family whose score is not a sum.
 */
export function splitModel(file: ModelFile, platformColumns: Iterable<string>): ModelParts {
  const onPlatform = new Set(platformColumns);
  const platform = file.features.filter((f) => onPlatform.has(f.name));
  const bank = file.features.filter((f) => !onPlatform.has(f.name));
  const isPlatform = (name: string): boolean => onPlatform.has(name);
  const isBank = (name: string): boolean => !onPlatform.has(name);
  if (file.kind === 'lr') {
    const state = file.state as LogisticState;
    return {
      kind: 'lr',
      unit: 'logit',
      platform,
      bank,
      platformPart: (frame) => logisticSum(state, isPlatform, frame),
      bankPart: (frame) => logisticSum(state, isBank, frame).map((x) => x + state.intercept),
      full: (b, p) => ({ score: sigmoid(b + p) }),
    };
  }
  if (file.kind === 'scorecard') {
    const state = file.state as ScorecardState;
    const base = state.offset - state.factor * state.intercept;
    return {
      kind: 'scorecard',
      unit: 'points',
      platform,
      bank,
      platformPart: (frame) => scorecardSum(state, isPlatform, frame),
      bankPart: (frame) => scorecardSum(state, isBank, frame).map((x) => x + base),
      // points = offset - factor x log-odds, so the log-odds are (offset - points) / factor.
      full: (b, p) => ({ score: sigmoid((state.offset - (b + p)) / state.factor), points: b + p }),
    };
  }
  throw notSplittable(file.kind);
}
