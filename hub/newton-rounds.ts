/**
 * Newton's method over secure rounds: each round sums the provinces' X^T W X, X^T (p - y) and loss at
 * the current coefficients; the hub takes the exact step on the sums, halving it when the summed loss
 * rises (as the local fit's line search does), until the step is below the tolerance.
 */
import { DEFAULT_SCALE_BITS } from '../lab/secagg';
import { newtonLength } from '../lab/network/layout';
import type { RoundParams } from '../lab/api/network';
import { Db } from '../enclave/store/db';
import type { MemberAddress } from './member-client';
import { newtonStep, readNewton } from './newton';
import { secureRound } from './secure-round';

/**
 * Newton converges quadratically, so a step under 1e-7 leaves an error far below it; a tighter
 * tolerance would chase the fixed-point noise of the sums (about 1e-8 on a step at 2^24).
 */
export const NEWTON_LIMITS = { maxRounds: 60, tolerance: 1e-7 };

/** Bound on the fixed-point error one member adds to a summed figure (lab/secagg/fixed-point.ts), with room. */
const LOSS_NOISE = 2 ** -(DEFAULT_SCALE_BITS - 4);

export type DesignParams = { encoder: Extract<RoundParams, { encoder: unknown }>['encoder'] } | { binnings: Extract<RoundParams, { binnings: unknown }>['binnings'] };

export interface NewtonResult {
  beta: Float64Array;
  iterations: number;
  converged: boolean;
}

export async function newtonRounds(db: Db, job: string, members: readonly MemberAddress[], design: DesignParams, width: number, l2: number, baseRate: number, progress: (note: string) => void): Promise<NewtonResult> {
  const D = width + 1;
  // Zero weights and the base rate's log-odds, where the local fit starts.
  const rate = Math.min(Math.max(baseRate, 1e-6), 1 - 1e-6);
  let beta = new Float64Array(D);
  beta[width] = Math.log(rate / (1 - rate));
  let previous: { beta: Float64Array; loss: number; step: Float64Array } | undefined;
  let t = 1;
  let iterations = 0;
  while (iterations < NEWTON_LIMITS.maxRounds) {
    iterations++;
    progress(`newton round ${iterations}`);
    const sum = await secureRound(db, job, members, { phase: 'newton', ...design, beta: Array.from(beta) }, newtonLength(width));
    const pieces = readNewton(sum, D, beta, l2);
    // A rise smaller than the fixed-point error of the summed loss is no rise: near the optimum
    // true changes are far below it, and halving on noise would stall the full Newton steps.
    if (previous && pieces.loss > previous.loss + LOSS_NOISE * members.length + 1e-12 * Math.abs(previous.loss) && t > 1e-6) {
      t /= 2;
      beta = previous.beta.map((b, j) => b - t * previous!.step[j]);
      continue;
    }
    const step = newtonStep(pieces, D);
    previous = { beta, loss: pieces.loss, step };
    t = 1;
    beta = beta.map((b, j) => b - step[j]);
    if (Math.max(...step.map(Math.abs)) < NEWTON_LIMITS.tolerance) return { beta, iterations, converged: true };
  }
  return { beta, iterations, converged: false };
}
