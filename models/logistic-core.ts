/** L2-regularized logistic regression on a dense design matrix, fitted by damped Newton's method (IRLS). */
import { sigmoid, solveSpd } from './linalg';

export interface LogisticFit {
  weights: Float64Array;
  intercept: number;
  iterations: number;
  converged: boolean;
}

export interface LogisticCoreOptions {
  /** Penalty lambda in  sum(logloss) + lambda/2 * |w|^2; lambda = 1 is scikit-learn's default C = 1. The intercept is not penalized. */
  l2: number;
  maxIterations?: number;
  /**
   * Stop when no coefficient moves by more than this much in a step (default 1e-6). With the full
   * Hessian, convergence is quadratic and the last step's error is far smaller still; with the
   * subsampled one it is linear (about tenfold per step on credit data), so a tighter tolerance costs
   * steps that change no prediction.
   */
  tolerance?: number;
  onIteration?: (iteration: number, maxIterations: number) => void;
  /** Starting coefficients (weights, then the intercept); default zero weights and the base-rate intercept. */
  start?: Float64Array;
  /**
   * false: no intercept (held at 0). Differential privacy by output perturbation needs every
   * coordinate penalized, so it brings its own constant column instead.
   */
  fitIntercept?: boolean;
}

/**
 * Above this many rows the Hessian is formed from an evenly spaced subsample of this size (sub-sampled
 * Newton). The gradient always uses every row, so the fit converges to the same optimum; only the
 * step direction is approximate, and the line search keeps each step a descent step.
 */
export const HESSIAN_ROWS = 12_288;

/** Dot product with four accumulators, which lets the JIT overlap the multiply-adds. */
function dot(a: Float64Array, b: Float64Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; i++) s0 += a[i] * b[i];
  return s0 + s1 + s2 + s3;
}

/** z = intercept + sum_j beta_j * column_j. */
function linearPredictor(columns: Float64Array[], beta: Float64Array, n: number, z: Float64Array): void {
  const d = columns.length;
  z.fill(beta[d]);
  for (let j = 0; j < d; j++) {
    const c = columns[j];
    const b = beta[j];
    if (b === 0) continue;
    for (let i = 0; i < n; i++) z[i] += b * c[i];
  }
}

/**
 * sum of log(1 + e^z) - y z, written to stay finite for large |z|, plus l2/2 |w|^2 (intercept
 * excluded). Leaves exp(-|z|) per row in `expNegAbs`, from which the next step's probabilities come
 * without a second exponential.
 */
function penalizedLoss(z: Float64Array, y: ArrayLike<number>, n: number, beta: Float64Array, d: number, l2: number, expNegAbs: Float64Array): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const zi = z[i];
    const e = Math.exp(-Math.abs(zi));
    expNegAbs[i] = e;
    loss += (zi > 0 ? zi : 0) + Math.log1p(e) - y[i] * zi;
  }
  let penalty = 0;
  for (let j = 0; j < d; j++) penalty += beta[j] * beta[j];
  return loss + (l2 / 2) * penalty;
}

/**
 * Fits on the design's columns (each of length n) against 0/1 labels. Newton's method converges in a
 * handful of steps on credit data and needs no learning rate; the work is column by column because
 * contiguous dot products are what the JIT runs fastest.
 */
export function fitLogistic(columns: Float64Array[], y: ArrayLike<number>, n: number, options: LogisticCoreOptions): LogisticFit {
  const d = columns.length;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-6;
  const l2 = options.l2;
  const D = d + 1; // the intercept is the last coordinate
  const m = Math.min(n, HESSIAN_ROWS);
  const sample = m < n ? Int32Array.from({ length: m }, (_, s) => Math.floor((s * n) / m)) : undefined;
  const sampleColumns = sample ? columns.map((c) => Float64Array.from(sample, (i) => c[i])) : columns;
  const beta = options.start ? Float64Array.from(options.start) : new Float64Array(D);
  if (!options.start) {
    // Start the intercept at the base rate's log-odds: it saves a step or two.
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i];
    const rate = Math.min(Math.max(pos / Math.max(n, 1), 1e-6), 1 - 1e-6);
    beta[d] = Math.log(rate / (1 - rate));
  }
  if (options.fitIntercept === false) beta[d] = 0;

  let z = new Float64Array(n);
  let zTrial = new Float64Array(n);
  let expNeg = new Float64Array(n);
  let expNegTrial = new Float64Array(n);
  const residual = new Float64Array(n);
  const weight = new Float64Array(n);
  const sampleWeight = new Float64Array(m);
  const weighted = new Float64Array(m);
  const hess = new Float64Array(D * D);
  const grad = new Float64Array(D);
  const trial = new Float64Array(D);
  linearPredictor(columns, beta, n, z);
  let loss = penalizedLoss(z, y, n, beta, d, l2, expNeg);
  let converged = false;
  let iteration = 0;
  while (iteration < maxIterations) {
    iteration++;
    let sumResidual = 0;
    for (let i = 0; i < n; i++) {
      const e = expNeg[i];
      const p = z[i] >= 0 ? 1 / (1 + e) : e / (1 + e);
      residual[i] = p - y[i];
      weight[i] = p * (1 - p);
      sumResidual += residual[i];
    }
    for (let j = 0; j < d; j++) grad[j] = dot(columns[j], residual, n) + l2 * beta[j];
    grad[d] = sumResidual;
    // Curvature from the subsample (or every row), scaled to the full data.
    let sumSampleWeight = 0;
    for (let s = 0; s < m; s++) sumSampleWeight += sampleWeight[s] = weight[sample ? sample[s] : s];
    const scale = n / m;
    for (let j = 0; j < d; j++) {
      const cj = sampleColumns[j];
      for (let s = 0; s < m; s++) weighted[s] = sampleWeight[s] * cj[s];
      for (let k = j; k < d; k++) hess[j * D + k] = hess[k * D + j] = scale * dot(weighted, sampleColumns[k], m);
      let sw = 0;
      for (let s = 0; s < m; s++) sw += weighted[s];
      hess[j * D + d] = hess[d * D + j] = scale * sw;
      hess[j * D + j] += l2;
    }
    hess[d * D + d] = scale * sumSampleWeight;
    if (options.fitIntercept === false) {
      // Pin the intercept: a unit row and column in the Hessian and no gradient give it a zero step.
      for (let j = 0; j < D; j++) hess[j * D + d] = hess[d * D + j] = 0;
      hess[d * D + d] = 1;
      grad[d] = 0;
    }
    const step = solveSpd(hess, grad, D);
    // Full Newton steps can overshoot on heavy-tailed features; halving until the penalized loss
    // falls (backtracking) keeps every step a descent step.
    let t = 1;
    let trialLoss = Infinity;
    for (let halvings = 0; halvings < 30; halvings++, t /= 2) {
      for (let j = 0; j < D; j++) trial[j] = beta[j] - t * step[j];
      linearPredictor(columns, trial, n, zTrial);
      trialLoss = penalizedLoss(zTrial, y, n, trial, d, l2, expNegTrial);
      if (trialLoss <= loss + 1e-12 * Math.abs(loss)) break;
    }
    let biggest = 0;
    for (let j = 0; j < D; j++) {
      biggest = Math.max(biggest, Math.abs(beta[j] - trial[j]));
      beta[j] = trial[j];
    }
    [z, zTrial] = [zTrial, z];
    [expNeg, expNegTrial] = [expNegTrial, expNeg];
    loss = trialLoss;
    options.onIteration?.(iteration, maxIterations);
    if (biggest < tolerance) {
      converged = true;
      break;
    }
  }
  return { weights: beta.slice(0, d), intercept: beta[d], iterations: iteration, converged };
}

/** Probability for each row: sigmoid of the linear predictor over the design's columns. */
export function predictLogistic(columns: Float64Array[], n: number, weights: ArrayLike<number>, intercept: number): Float64Array {
  const z = new Float64Array(n);
  linearPredictor(columns, Float64Array.from([...Array.from(weights), intercept]), n, z);
  return z.map(sigmoid);
}

/**
 * The label-free parts of one Newton step at `beta` (weights, then the intercept last): the
 * Hessian H = X^T W X + l2 I (intercept unpenalized) and X^T p + l2 w. With s = X^T y the step is
 * beta - H^-1 (X^T p + l2 w - s), which is how encrypted-label training splits the work: the
 * platform computes these pieces in the clear, the labels enter only through s, under encryption.
 */
export function newtonPieces(columns: Float64Array[], n: number, beta: ArrayLike<number>, l2: number): { hessian: Float64Array; gradient: Float64Array } {
  const d = columns.length;
  const D = d + 1;
  const b = Float64Array.from(beta);
  const z = new Float64Array(n);
  linearPredictor(columns, b, n, z);
  const p = z.map(sigmoid);
  const w = p.map((v) => v * (1 - v));
  const hessian = new Float64Array(D * D);
  const gradient = new Float64Array(D);
  const weighted = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    gradient[j] = dot(columns[j], p, n) + l2 * b[j];
    for (let i = 0; i < n; i++) weighted[i] = w[i] * columns[j][i];
    for (let k = j; k < d; k++) hessian[j * D + k] = hessian[k * D + j] = dot(weighted, columns[k], n);
    let s = 0;
    for (let i = 0; i < n; i++) s += weighted[i];
    hessian[j * D + d] = hessian[d * D + j] = s;
    hessian[j * D + j] += l2;
  }
  let sp = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    sp += p[i];
    sw += w[i];
  }
  gradient[d] = sp;
  hessian[d * D + d] = sw;
  return { hessian, gradient };
}
