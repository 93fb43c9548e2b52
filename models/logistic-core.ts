/** L2-regularized logistic regression on a dense design matrix, fitted by Newton's method (IRLS). */
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
  /** Stop when no coefficient moves by more than this much in a step. */
  tolerance?: number;
  onIteration?: (iteration: number, maxIterations: number) => void;
}

/**
 * Fits on `x` (row-major, n x d) against 0/1 labels. Newton's method converges in a handful of steps
 * on credit data and needs no learning rate, which is why it is used instead of gradient descent.
 */
export function fitLogistic(
  x: Float64Array,
  y: ArrayLike<number>,
  n: number,
  d: number,
  options: LogisticCoreOptions,
): LogisticFit {
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-8;
  const D = d + 1; // the intercept is the last coordinate
  const beta = new Float64Array(D);
  // Start the intercept at the base rate's log-odds: it saves a step or two.
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i];
  const rate = Math.min(Math.max(pos / Math.max(n, 1), 1e-6), 1 - 1e-6);
  beta[d] = Math.log(rate / (1 - rate));

  const hess = new Float64Array(D * D);
  const grad = new Float64Array(D);
  let converged = false;
  let iteration = 0;
  while (iteration < maxIterations) {
    iteration++;
    hess.fill(0);
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * d;
      let z = beta[d];
      for (let j = 0; j < d; j++) z += x[row + j] * beta[j];
      const p = sigmoid(z);
      const r = p - y[i];
      const w = p * (1 - p);
      for (let j = 0; j < d; j++) {
        const xj = x[row + j];
        grad[j] += r * xj;
        const wxj = w * xj;
        const hRow = j * D;
        for (let k = j; k < d; k++) hess[hRow + k] += wxj * x[row + k];
        hess[hRow + d] += wxj;
      }
      grad[d] += r;
      hess[d * D + d] += w;
    }
    for (let j = 0; j < d; j++) {
      grad[j] += options.l2 * beta[j];
      hess[j * D + j] += options.l2;
      for (let k = j + 1; k < D; k++) hess[k * D + j] = hess[j * D + k];
    }
    const step = solveSpd(hess, grad, D);
    // Full Newton steps can overshoot on heavy-tailed features; halving until the penalized loss
    // falls (backtracking) keeps every step a descent step.
    const before = penalizedLoss(x, y, n, d, beta, options.l2);
    const trial = new Float64Array(D);
    let t = 1;
    for (let halvings = 0; halvings < 30; halvings++, t /= 2) {
      for (let j = 0; j < D; j++) trial[j] = beta[j] - t * step[j];
      if (penalizedLoss(x, y, n, d, trial, options.l2) <= before + 1e-12 * Math.abs(before)) break;
    }
    let biggest = 0;
    for (let j = 0; j < D; j++) {
      biggest = Math.max(biggest, Math.abs(beta[j] - trial[j]));
      beta[j] = trial[j];
    }
    options.onIteration?.(iteration, maxIterations);
    if (biggest < tolerance) {
      converged = true;
      break;
    }
  }
  return { weights: beta.slice(0, d), intercept: beta[d], iterations: iteration, converged };
}

/** sum of log-losses + l2/2 |w|^2, with the intercept (last coordinate of beta) unpenalized. */
function penalizedLoss(x: Float64Array, y: ArrayLike<number>, n: number, d: number, beta: Float64Array, l2: number): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let z = beta[d];
    const row = i * d;
    for (let j = 0; j < d; j++) z += x[row + j] * beta[j];
    // log(1 + e^z) - y z, written to stay finite for large |z|.
    loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i] * z;
  }
  let penalty = 0;
  for (let j = 0; j < d; j++) penalty += beta[j] * beta[j];
  return loss + (l2 / 2) * penalty;
}

/** Linear predictor + sigmoid for each row of `x` (row-major, n x d). */
export function predictLogistic(x: Float64Array, n: number, d: number, weights: ArrayLike<number>, intercept: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = intercept;
    const row = i * d;
    for (let j = 0; j < d; j++) z += x[row + j] * weights[j];
    out[i] = sigmoid(z);
  }
  return out;
}
