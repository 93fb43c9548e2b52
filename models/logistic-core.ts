/** L2-regularized logistic regression on a dense design matrix, fitted by damped Newton's method (IRLS). */
import { sigmoid } from './linalg';
import { LogisticKernels } from './logistic-kernels';

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
  /**
   * The design's column j is (columns[j] - center[j]) / scale[j] (default 0 and 1): a caller that
   * standardizes hands the raw columns and their means and deviations instead of a standardized copy,
   * which for a wide table costs more (in fresh memory) than the fit's arithmetic.
   */
  center?: ArrayLike<number>;
  scale?: ArrayLike<number>;
}

/**
 * Above this many rows the Hessian is formed from an evenly spaced subsample of this size (sub-sampled
 * Newton). The gradient always uses every row, so the fit converges to the same optimum; only the
 * step direction is approximate, and the line search keeps each step a descent step. (Blocks of
 * consecutive rows, read in place without a copy, converged 6x per step rather than 25x here.)
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

// Prediction and newtonPieces run their loops over rows in JavaScript, four columns at a time: a short
// tail of columns is padded with a zero-coefficient column rather than given a loop of its own, so the
// JIT compiles each once. The fit's loops run in WebAssembly instead (logistic-kernels.ts).

/** z[i] += b0 c0[i] + b1 c1[i] + b2 c2[i] + b3 c3[i]. */
function axpy4(z: Float64Array, c0: Float64Array, c1: Float64Array, c2: Float64Array, c3: Float64Array, b0: number, b1: number, b2: number, b3: number, n: number): void {
  for (let i = 0; i < n; i++) z[i] += b0 * c0[i] + b1 * c1[i] + b2 * c2[i] + b3 * c3[i];
}

/** z = intercept + sum_j beta_j * column_j, four columns per pass over z. */
function linearPredictor(columns: Float64Array[], beta: Float64Array, n: number, z: Float64Array): void {
  const d = columns.length;
  z.fill(beta[d]);
  const last = d - 1;
  for (let j = 0; j < d; j += 4) {
    const [j1, j2, j3] = [Math.min(j + 1, last), Math.min(j + 2, last), Math.min(j + 3, last)];
    axpy4(z, columns[j], columns[j1], columns[j2], columns[j3], beta[j], j + 1 < d ? beta[j1] : 0, j + 2 < d ? beta[j2] : 0, j + 3 < d ? beta[j3] : 0, n);
  }
}

/**
 * Steps smaller than this reuse the last Hessian: so close to the optimum the curvature barely moves,
 * and the subsampled Hessian is only approximate anyway, so a stale one slows convergence by less than
 * the subsample already does while saving the costliest part of a step.
 */
const REUSE_HESSIAN_BELOW = 1e-2;

/**
 * Fits on the design's columns (each of length n) against 0/1 labels. Newton's method converges in a
 * handful of steps on credit data and needs no learning rate. The loops over rows run in WebAssembly
 * (logistic-kernels.ts), which is compiled before the first row, chunk by chunk: no row-length buffer
 * is allocated, since fresh memory costs a page fault per 4 KB, which on a virtual machine is dearer
 * than the arithmetic.
 */
export function fitLogistic(columns: Float64Array[], y: ArrayLike<number>, n: number, options: LogisticCoreOptions): LogisticFit {
  const d = columns.length;
  const m = Math.min(n, HESSIAN_ROWS);
  const kernels = new LogisticKernels(columns, y, n, m);
  try {
    return newton(kernels, n, m, d, options);
  } finally {
    kernels.release();
  }
}

function newton(kernels: LogisticKernels, n: number, m: number, d: number, options: LogisticCoreOptions): LogisticFit {
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-6;
  const l2 = options.l2;
  const D = d + 1; // the intercept is the last coordinate
  const center = Float64Array.from({ length: d }, (_, j) => options.center?.[j] ?? 0);
  const spread = Float64Array.from({ length: d }, (_, j) => options.scale?.[j] ?? 1);
  const beta = options.start ? Float64Array.from(options.start) : new Float64Array(D);
  if (!options.start) {
    // Start the intercept at the base rate's log-odds: it saves a step or two.
    const pos = kernels.labelSum();
    const rate = Math.min(Math.max(pos / Math.max(n, 1), 1e-6), 1 - 1e-6);
    beta[d] = Math.log(rate / (1 - rate));
  }
  if (options.fitIntercept === false) beta[d] = 0;

  const raw = new Float64Array(D * D); // sums of w x_j x_k over the raw columns, then w x_j, then w
  const hess = new Float64Array(D * D);
  const grad = new Float64Array(D);
  const trial = new Float64Array(D);
  const step = new Float64Array(D);
  const rawBeta = new Float64Array(D);
  /**
   * The penalized loss sum(logloss) + l2/2 |w|^2 at `b` (standardized coordinates), leaving its
   * gradient in `grad` and, when `curvature` is asked for, the sampled rows' raw moments in `raw`: one
   * pass over the rows gives all three, since the line search's first trial is nearly always the step
   * taken.
   */
  const lossAt = (b: Float64Array, curvature: boolean): number => {
    let shift = b[d];
    let penalty = 0;
    for (let j = 0; j < d; j++) {
      rawBeta[j] = b[j] / spread[j];
      shift -= rawBeta[j] * center[j];
      penalty += b[j] * b[j];
    }
    rawBeta[d] = shift;
    const loss = kernels.pass(rawBeta, grad, curvature ? raw : undefined);
    // Standardize: the raw columns' dot products x_j . r become ((x_j - c_j) / s_j) . r.
    const sumResidual = grad[d];
    for (let j = 0; j < d; j++) grad[j] = (grad[j] - center[j] * sumResidual) / spread[j] + l2 * b[j];
    if (options.fitIntercept === false) grad[d] = 0;
    return loss + (l2 / 2) * penalty;
  };
  let loss = lossAt(beta, true);
  let converged = false;
  let iteration = 0;
  let biggest = Infinity;
  while (iteration < maxIterations) {
    iteration++;
    if (biggest >= REUSE_HESSIAN_BELOW) {
      // raw holds the curvature w = p(1 - p) on the sampled rows, as raw moments, from the last pass.
      // Standardize: (x_j - c_j)/s_j expands into the raw moments; scale the sample up to n rows.
      const scale = n / m;
      const W = raw[d * D + d];
      for (let j = 0; j < d; j++) {
        const aj = raw[j * D + d];
        for (let k = j; k < d; k++) {
          const ak = raw[k * D + d];
          const moment = raw[j * D + k] - center[j] * ak - center[k] * aj + center[j] * center[k] * W;
          hess[j * D + k] = hess[k * D + j] = (scale * moment) / (spread[j] * spread[k]);
        }
        hess[j * D + d] = hess[d * D + j] = (scale * (aj - center[j] * W)) / spread[j];
        hess[j * D + j] += l2;
      }
      hess[d * D + d] = scale * W;
      if (options.fitIntercept === false) {
        // Pin the intercept: a unit row and column in the Hessian and no gradient give it a zero step.
        for (let j = 0; j < D; j++) hess[j * D + d] = hess[d * D + j] = 0;
        hess[d * D + d] = 1;
      }
    }
    kernels.solve(hess, grad, step);
    // Full Newton steps can overshoot on heavy-tailed features; halving until the penalized loss
    // falls (backtracking) keeps every step a descent step. The last trial is the point taken, so the
    // gradient (and raw moments) lossAt leaves are that point's; a trial whose step is big enough for
    // the next iteration to need a fresh Hessian gathers its moments in the same pass.
    let t = 1;
    let trialLoss = Infinity;
    for (let halvings = 0; halvings < 30; halvings++, t /= 2) {
      biggest = 0;
      for (let j = 0; j < D; j++) {
        trial[j] = beta[j] - t * step[j];
        biggest = Math.max(biggest, Math.abs(beta[j] - trial[j]));
      }
      trialLoss = lossAt(trial, biggest >= REUSE_HESSIAN_BELOW);
      if (trialLoss <= loss + 1e-12 * Math.abs(loss)) break;
    }
    beta.set(trial);
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
