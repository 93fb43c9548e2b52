/** Logistic regression with L2, standardization and missing-value handling. */
import { Frame } from './frame';
import { Encoder, designNames, encode, encodeAffine, fitEncoder } from './encoding';
import { fitLogistic, predictLogistic } from './logistic-core';
import { FitContext, FittedModel, ModelFamily, ModelFile } from './model';

export interface LogisticParams {
  /** L2 penalty lambda (scikit-learn's 1/C); the intercept is not penalized. */
  l2: number;
  maxIterations: number;
  /** Category levels seen on fewer training rows get no column (the enclave sets its k). */
  minLevelCount: number;
}

export interface LogisticState {
  encoder: Encoder;
  weights: number[];
  intercept: number;
  iterations: number;
  converged: boolean;
}

class LogisticModel implements FittedModel {
  readonly kind = 'lr' as const;
  constructor(
    readonly params: LogisticParams,
    readonly state: LogisticState,
  ) {}

  get features() {
    return this.state.encoder.features;
  }

  async predict(frame: Frame): Promise<Float64Array> {
    const design = encode(this.state.encoder, frame);
    return predictLogistic(design.columns, design.rows, this.state.weights, this.state.intercept);
  }

  describe(): Record<string, unknown> {
    const names = designNames(this.state.encoder);
    return {
      intercept: this.state.intercept,
      coefficients: names.map((name, j) => ({ name, weight: this.state.weights[j] })),
      standardized: true,
      iterations: this.state.iterations,
      converged: this.state.converged,
    };
  }

  toJSON(): ModelFile<LogisticState> {
    return { format: 'jointlab-model', version: 1, kind: 'lr', features: this.features, params: { ...this.params }, state: this.state };
  }
}

export const logisticRegression: ModelFamily<LogisticParams> = {
  kind: 'lr',
  defaults: { l2: 1, maxIterations: 100, minLevelCount: 1 },

  async fit(frame: Frame, labels: Uint8Array, params: LogisticParams, context: FitContext): Promise<FittedModel> {
    const encoder = context.encoder ?? fitEncoder(frame, params.minLevelCount);
    // Raw columns with their means and deviations: the solver standardizes on the fly.
    const design = encodeAffine(encoder, frame);
    const fit = fitLogistic(design.columns, labels, design.rows, {
      center: design.center,
      scale: design.scale,
      l2: params.l2,
      maxIterations: params.maxIterations,
      onIteration: (i, max) => context.onProgress?.(i, max, `newton step ${i}`),
    });
    return new LogisticModel(params, {
      encoder,
      weights: Array.from(fit.weights),
      intercept: fit.intercept,
      iterations: fit.iterations,
      converged: fit.converged,
    });
  },

  load(file: ModelFile): FittedModel {
    return new LogisticModel(file.params as unknown as LogisticParams, file.state as LogisticState);
  },
};
