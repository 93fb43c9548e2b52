/**
 * The hub's Newton step on summed pieces: H = sum X^T W X + l2 I (intercept unpenalized) and
 * g = sum X^T (p - y) + l2 w, exactly what logistic regression on the pooled rows computes
 * (models/logistic-core.ts), so the iterates are the pooled fit's and there is no averaging drift.
 */
import { solveSpd } from '../models/linalg';

export interface NewtonPieces {
  hessian: Float64Array;
  gradient: Float64Array;
  /** The penalized loss at the coefficients the pieces were computed at. */
  loss: number;
}

/** Reads the summed vector (upper triangle, gradient, loss) and adds the penalty. */
export function readNewton(sum: Float64Array, D: number, beta: ArrayLike<number>, l2: number): NewtonPieces {
  const hessian = new Float64Array(D * D);
  let at = 0;
  for (let j = 0; j < D; j++) for (let k = j; k < D; k++) hessian[j * D + k] = hessian[k * D + j] = sum[at++];
  const gradient = Float64Array.from(sum.subarray(at, at + D));
  let penalty = 0;
  for (let j = 0; j < D - 1; j++) {
    hessian[j * D + j] += l2;
    gradient[j] += l2 * beta[j];
    penalty += beta[j] * beta[j];
  }
  return { hessian, gradient, loss: sum[at + D] + (l2 / 2) * penalty };
}

export function newtonStep(pieces: NewtonPieces, D: number): Float64Array {
  return solveSpd(pieces.hessian, pieces.gradient, D);
}
