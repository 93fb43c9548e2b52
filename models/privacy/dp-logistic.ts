/**
 * Differentially private logistic regression by output perturbation (Chaudhuri, Monteleoni and
 * Sarwate 2011, Algorithm 1), as a wrapper around the logistic-regression family: rows are clipped
 * and scaled to norm at most 1 (a constant column stands in for the intercept, so every coordinate
 * is penalized), the objective (1/n) sum(logloss) + (lambda/2)|w|^2 is minimized exactly, and noise
 * with density proportional to exp(-(n lambda epsilon / 2)|b|) is added to the weights. The
 * standardization comes from the training rows, as in the plaintext family, unless the caller fixes
 * one (the enclave passes a standardization that does not depend on the job's population, so it
 * costs none of epsilon).
 */
import { Frame } from '../frame';
import { encode, fitEncoder } from '../encoding';
import { fitLogistic } from '../logistic-core';
import { logisticRegression } from '../logistic-regression';
import { FitContext, FittedModel, ModelFamily, ModelFile } from '../model';
import { UniformSource, secureUniform, snap, sphericalLaplace } from './sampler';

export interface PrivacyParams {
  epsilon: number;
  /** lambda of the normalized objective; larger means less noise and more shrinkage. */
  lambda: number;
}

/** Noise and the grid it is snapped to, for n rows, d coefficients and the budget. */
export function outputNoiseScale(n: number, lambda: number, epsilon: number): number {
  return 2 / (n * lambda * epsilon);
}

/**
 * Output perturbation of an exact minimizer of (1/n) sum(logloss) + (lambda/2)|w|^2 on rows of norm
 * at most 1: noise of density proportional to exp(-|b| / scale), snapped and clamped.
 */
export function perturb(weights: ArrayLike<number>, n: number, lambda: number, epsilon: number, uniform: UniformSource): number[] {
  const d = weights.length;
  const noiseScale = outputNoiseScale(n, lambda, epsilon);
  const noise = sphericalLaplace(d, noiseScale, uniform);
  // |w*| <= 1/lambda for a 1-Lipschitz loss: the clamp loses nothing the optimum could have.
  const clampTo = 1 / lambda + 50 * noiseScale * d;
  return Array.from(weights, (w, j) => snap(w + noise[j], noiseScale * 2 ** -20, clampTo));
}

export function withDifferentialPrivacy(privacy: PrivacyParams, uniform: UniformSource = secureUniform): ModelFamily<object> {
  if (!(privacy.epsilon > 0) || !(privacy.lambda > 0)) throw new RangeError('epsilon and lambda must be positive');
  return {
    kind: 'lr',
    defaults: logisticRegression.defaults,
    async fit(frame: Frame, labels: Uint8Array, params: object, context: FitContext): Promise<FittedModel> {
      const base = { ...logisticRegression.defaults, ...(params as Record<string, unknown>) };
      const encoder = context.encoder ?? fitEncoder(frame, base.minLevelCount as number);
      const design = encode(encoder, frame);
      const n = design.rows;
      const width = design.columns.length;
      // A public bound on a standardized row's norm; rows beyond it are clipped onto it.
      const bound = Math.sqrt(width) * 2;
      const scale = 1 / (bound * Math.SQRT2);
      const columns = design.columns.map(() => new Float64Array(n));
      for (let i = 0; i < n; i++) {
        let norm = 0;
        for (const c of design.columns) norm += c[i] * c[i];
        const shrink = Math.min(1, bound / Math.sqrt(norm || 1));
        design.columns.forEach((c, j) => (columns[j][i] = c[i] * shrink * scale));
      }
      const constant = new Float64Array(n).fill(Math.SQRT1_2);
      // fitLogistic minimizes sum(loss) + (l2/2)|w|^2, i.e. n times the normalized objective with l2 = n lambda.
      const fit = fitLogistic([...columns, constant], labels, n, { l2: n * privacy.lambda, fitIntercept: false, maxIterations: 200 });
      context.onProgress?.(1, 1, 'output perturbation');
      const noisy = perturb(fit.weights, n, privacy.lambda, privacy.epsilon, uniform);
      // Back to the plaintext family's parametrization: weights on standardized features and an intercept.
      const weights = noisy.slice(0, width).map((w) => w * scale);
      const intercept = noisy[width] * Math.SQRT1_2;
      const file: ModelFile = {
        format: 'jointlab-model',
        version: 1,
        kind: 'lr',
        features: encoder.features,
        params: { ...base, privacy: { ...privacy, mechanism: 'output perturbation (Chaudhuri et al. 2011)', rowNormBound: bound } },
        state: { encoder, weights, intercept, iterations: fit.iterations, converged: fit.converged },
      };
      return logisticRegression.load(file);
    },
    load: logisticRegression.load,
  };
}
