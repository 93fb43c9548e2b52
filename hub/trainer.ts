/**
 * Network logistic regression, driven by the hub over secure rounds: summed moments give the network's
 * standardization, summed Newton pieces give exact Newton steps (halved when the summed loss rises, as
 * the local fit's line search does), a summed score histogram gives the test AUC; the release check runs
 * on the sums (enclave/release/network.ts). Only sums ever reach this code.
 */
import { designNames } from '../models/encoding';
import { momentsLength, newtonLength, numericFeatures, SCORE_BINS, Layout } from '../lab/network/layout';
import { networkEncoder, readMoments, spreadDivisors } from '../lab/network/encoder';
import { metricsFromHistogram } from '../lab/network/histogram-auc';
import { ResolvedNetworkSpec } from '../lab/network/job-spec';
import type { ReleaseOutcome } from '../lab/api/results';
import { coarseNetworkEncoder, networkRelease } from '../enclave/release/network';
import { Db } from '../enclave/store/db';
import type { MemberAddress } from './member-client';
import { newtonStep, readNewton } from './newton';
import { secureRound } from './secure-round';
import { DEFAULT_SCALE_BITS } from '../lab/secagg';

/**
 * Newton converges quadratically, so a step under 1e-7 leaves an error far below it; a tighter
 * tolerance would chase the fixed-point noise of the sums (about 1e-8 on a step at 2^24).
 */
export const NEWTON_LIMITS = { maxRounds: 60, tolerance: 1e-7 };

/** Bound on the fixed-point error one member adds to a summed figure (lab/secagg/fixed-point.ts), with room. */
const LOSS_NOISE = 2 ** -(DEFAULT_SCALE_BITS - 4);

export interface TrainedNetwork {
  outcome: ReleaseOutcome;
  iterations: number;
  converged: boolean;
}

export async function trainNetworkLr(db: Db, job: string, members: readonly MemberAddress[], layout: Layout, resolved: ResolvedNetworkSpec, rules: { k: number; minTrainingRows: number }, progress: (note: string) => void): Promise<TrainedNetwork> {
  const moments = readMoments(await secureRound(db, job, members, { phase: 'moments' }, momentsLength(layout)), layout);
  const centers = moments.numeric.map((c) => c.mean);
  const spreadSums = await secureRound(db, job, members, { phase: 'spread', centers, spreads: spreadDivisors(moments) }, numericFeatures(layout).length);
  const encoder = coarseNetworkEncoder(networkEncoder(layout, moments, spreadSums, rules.k));
  const width = designNames(encoder).length;
  const D = width + 1;
  const l2 = resolved.l2;
  // Zero weights and the base rate's log-odds, where the local fit starts.
  const rate = Math.min(Math.max(moments.positives.train / Math.max(moments.rows.train, 1), 1e-6), 1 - 1e-6);
  let beta = new Float64Array(D);
  beta[width] = Math.log(rate / (1 - rate));
  let previous: { beta: Float64Array; loss: number; step: Float64Array } | undefined;
  let t = 1;
  let converged = false;
  let iterations = 0;
  while (iterations < NEWTON_LIMITS.maxRounds) {
    iterations++;
    progress(`newton round ${iterations}`);
    const sum = await secureRound(db, job, members, { phase: 'newton', encoder, beta: Array.from(beta) }, newtonLength(width));
    const pieces = readNewton(sum, D, beta, l2);
    // A rise smaller than the fixed-point error of the summed loss is no rise: near the optimum
    // true changes are far below it, and halving on noise would stall the full Newton steps.
    if (previous && pieces.loss > previous.loss + LOSS_NOISE * members.length + 1e-12 * Math.abs(previous.loss) && t > 1e-6) {
      // Overshot: back along the last direction by half, as backtracking does.
      t /= 2;
      beta = previous.beta.map((b, j) => b - t * previous!.step[j]);
      continue;
    }
    const step = newtonStep(pieces, D);
    previous = { beta, loss: pieces.loss, step };
    t = 1;
    beta = beta.map((b, j) => b - step[j]);
    if (Math.max(...step.map(Math.abs)) < NEWTON_LIMITS.tolerance) {
      converged = true;
      break;
    }
  }
  progress('evaluating on the test rows');
  const histogram = await secureRound(db, job, members, { phase: 'evaluate', encoder, beta: Array.from(beta) }, 2 * SCORE_BINS);
  const test = metricsFromHistogram(histogram);
  const weights = Array.from(beta.subarray(0, width));
  const intercept = beta[width];
  const names = designNames(encoder);
  const model = {
    format: 'jointlab-model' as const,
    version: 1 as const,
    kind: 'lr' as const,
    features: encoder.features,
    params: { l2, maxIterations: NEWTON_LIMITS.maxRounds, minLevelCount: rules.k },
    state: { encoder, weights, intercept, iterations, converged },
  };
  const description = { intercept, coefficients: names.map((name, j) => ({ name, weight: weights[j] })), standardized: true, iterations, converged, provinces: members.map((m) => m.province) };
  return { outcome: networkRelease({ model, description, moments, test, k: rules.k, minTrainingRows: rules.minTrainingRows }), iterations, converged };
}
