/** The one interface every model family implements, and the JSON file a fitted model is saved as. */
import type { Encoder } from './encoding';
import { Frame, FeatureRef } from './frame';

export const MODEL_KINDS = ['lr', 'scorecard', 'mlp', 'gbdt'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface FitContext {
  seed: number;
  /** Called as work advances; `done` of `total` steps, with an optional short note such as the epoch. */
  onProgress?: (done: number, total: number, note?: string) => void;
  /**
   * A standardization fixed by the caller instead of one fitted on these rows (the enclave passes one
   * that does not depend on who is in the population, so the released encoder says nothing about it).
   * It must list the frame's columns in order.
   */
  encoder?: Encoder;
  /** Noise for released counts that parameters are computed from (scorecard bins), by cell; absent: exact. */
  countNoise?: (tag: string) => number;
  /** Numeric columns that hold only 0 and 1 across their whole source (the enclave's reading); absent: read from the rows. */
  flags?: ReadonlySet<string>;
}

/** The saved form of a fitted model: plain JSON, enough to score rows again without the training data. */
export interface ModelFile<State = unknown> {
  format: 'jointlab-model';
  version: 1;
  kind: ModelKind;
  features: FeatureRef[];
  params: Record<string, unknown>;
  state: State;
}

export interface FittedModel {
  readonly kind: ModelKind;
  readonly features: FeatureRef[];
  /** Probability of the positive label (label 1, "default") for each row. */
  predict(frame: Frame): Promise<Float64Array>;
  /** Scorecard points per row (higher is safer), for families that have them. */
  points?(frame: Frame): Float64Array;
  /** Parameters a person reads: coefficients, bins and points, layer sizes. */
  describe(): Record<string, unknown>;
  toJSON(): ModelFile;
}

export interface ModelFamily<Params extends object> {
  readonly kind: ModelKind;
  readonly defaults: Params;
  fit(frame: Frame, labels: Uint8Array, params: Params, context: FitContext): Promise<FittedModel>;
  load(file: ModelFile): FittedModel;
}
