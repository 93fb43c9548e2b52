/**
 * Network models, driven by the hub over secure rounds. Logistic regression: summed moments give the
 * network's standardization, summed Newton pieces exact Newton steps. Scorecard: summed grid
 * histograms give agreed edges, summed counts on them the bins and WOE, then Newton on WOE. Both end
 * with a summed score histogram for the test AUC and the release check on the sums
 * (enclave/release/network.ts). Only sums ever reach this code.
 */
import { designNames } from '../models/encoding';
import { scorecard } from '../models/scorecard';
import { binCountsLength, gridLength, momentsLength, numericFeatures, Layout } from '../lab/network/layout';
import { NetworkMoments, networkEncoder, readMoments, spreadDivisors } from '../lab/network/encoder';
import { edgesFromGrid, gridsOf, networkBinnings, readBinCounts, readGrid } from '../lab/network/scorecard-bins';
import { metricsFromHistogram } from '../lab/network/histogram-auc';
import { ResolvedNetworkSpec } from '../lab/network/job-spec';
import type { ReleaseOutcome } from '../lab/api/results';
import { coarseNetworkEncoder, networkDither, networkRelease } from '../enclave/release/network';
import { SCORE_BINS } from '../enclave/release/network-scores';
import { Db } from '../enclave/store/db';
import type { MemberAddress } from './member-client';
import { DesignParams, newtonRounds } from './newton-rounds';
import { secureRound } from './secure-round';

export interface TrainedNetwork {
  outcome: ReleaseOutcome;
  iterations: number;
  converged: boolean;
}

type Rules = { k: number; minTrainingRows: number };

async function agreedMoments(db: Db, job: string, members: readonly MemberAddress[], layout: Layout): Promise<{ moments: NetworkMoments; spreadSums: Float64Array; dither: string }> {
  const summed = await secureRound(db, job, members, { phase: 'moments' }, momentsLength(layout));
  const moments = readMoments(summed, layout);
  const centers = moments.numeric.map((c) => c.mean);
  const spreadSums = await secureRound(db, job, members, { phase: 'spread', centers, spreads: spreadDivisors(moments) }, numericFeatures(layout).length);
  return { moments, spreadSums, dither: networkDither(summed) };
}

async function testMetrics(db: Db, job: string, members: readonly MemberAddress[], design: DesignParams, beta: Float64Array): Promise<{ auc: number; ks: number }> {
  const histogram = await secureRound(db, job, members, { phase: 'evaluate', ...design, beta: Array.from(beta) }, 2 * SCORE_BINS);
  return metricsFromHistogram(histogram);
}

export async function trainNetwork(db: Db, job: string, members: readonly MemberAddress[], layout: Layout, resolved: ResolvedNetworkSpec, rules: Rules, progress: (note: string) => void): Promise<TrainedNetwork> {
  const family = resolved.spec.model?.family ?? 'lr';
  const { moments, spreadSums, dither } = await agreedMoments(db, job, members, layout);
  const baseRate = moments.positives.train / Math.max(moments.rows.train, 1);
  const provinces = members.map((m) => m.province);
  if (family === 'scorecard') {
    const sds = moments.numeric.map((c, m) => spreadDivisors(moments)[m] * Math.sqrt(Math.max(0, spreadSums[m]) / Math.max(c.count, 1)));
    const grids = gridsOf(moments, sds);
    const grid = readGrid(await secureRound(db, job, members, { phase: 'grid', grids }, gridLength(layout)), layout);
    const params = { ...scorecard.defaults, l2: resolved.l2, minBinCount: rules.k };
    const numericAt = layout.features.flatMap((f, j) => (f.kind === 'numeric' ? [j] : []));
    const edges = numericAt.map((j, m) => edgesFromGrid(grid[j].cells, grids[m], params.initialBins));
    const counts = readBinCounts(await secureRound(db, job, members, { phase: 'bins', edges }, binCountsLength(edges)), edges);
    const binnings = networkBinnings(layout, moments.rows.train, grid, edges, counts, params);
    const design = { binnings };
    const fit = await newtonRounds(db, job, members, design, binnings.length, resolved.l2, baseRate, progress);
    progress('evaluating on the test rows');
    const test = await testMetrics(db, job, members, design, fit.beta);
    const factor = params.pdo / Math.LN2;
    const state = {
      features: layout.features.map((f) => ({ name: f.name, kind: f.kind })),
      binnings,
      selected: binnings.map((_, j) => ({ feature: j, coefficient: fit.beta[j] })),
      intercept: fit.beta[binnings.length],
      factor,
      offset: params.baseScore - factor * Math.log(params.baseOdds),
    };
    const model = scorecard.load({ format: 'jointlab-model', version: 1, kind: 'scorecard', features: state.features, params, state });
    const description = { ...model.describe(), iterations: fit.iterations, converged: fit.converged, provinces };
    return { outcome: networkRelease({ model: model.toJSON(), description, moments, test, dither, ...rules }), iterations: fit.iterations, converged: fit.converged };
  }
  const encoder = coarseNetworkEncoder(networkEncoder(layout, moments, spreadSums, rules.k));
  const width = designNames(encoder).length;
  const fit = await newtonRounds(db, job, members, { encoder }, width, resolved.l2, baseRate, progress);
  progress('evaluating on the test rows');
  const test = await testMetrics(db, job, members, { encoder }, fit.beta);
  const weights = Array.from(fit.beta.subarray(0, width));
  const intercept = fit.beta[width];
  const model = {
    format: 'jointlab-model' as const,
    version: 1 as const,
    kind: 'lr' as const,
    features: encoder.features,
    params: { l2: resolved.l2, maxIterations: 60, minLevelCount: rules.k },
    state: { encoder, weights, intercept, iterations: fit.iterations, converged: fit.converged },
  };
  const description = { intercept, coefficients: designNames(encoder).map((name, j) => ({ name, weight: weights[j] })), standardized: true, iterations: fit.iterations, converged: fit.converged, provinces };
  return { outcome: networkRelease({ model, description, moments, test, dither, ...rules }), iterations: fit.iterations, converged: fit.converged };
}
