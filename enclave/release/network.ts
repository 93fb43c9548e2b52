/**
 * Disclosure rules of network jobs (enclave/network/ and the hub): what a province checks before it
 * contributes a statistic, the standardization the network fits with, and the release check on the
 * securely summed figures with k across the network (the largest k of the members).
 */
import { JointlabError } from '../../lab/errors';
import type { NetworkMoments } from '../../lab/network/encoder';
import type { Encoder } from '../../models/encoding';
import type { ModelFile } from '../../models/model';
import type { ReleaseOutcome, Withheld } from '../../lab/api/results';
import { createHash } from 'node:crypto';
import type { Layout } from '../../lab/network/layout';
import { GRID_CELLS, Grid, MOMENT_HEADER } from '../../lab/network/layout';
import type { RoundRequest } from '../../lab/api/network';
import { COUNT_ROUNDING, releaseCount } from './disclosure';
import { PopulationNoise, coarseMoments, noiseFromKey, noisyValue, releasedMetric } from './population';
import { PopulationPrint, differenceSize, digestOf } from './differencing';
import { Queries } from '../store/db';
import { assertTestClasses } from './network-scores';

/**
 * Which entries of a round's vector are counts of rows: the class counts and categorical level counts
 * of the moments, every cell of the grid and bin histograms. Those carry keyed noise from each
 * province (as a local job's counts and scorecard cells do), so no sum of them is exact; sums of
 * feature values and the Newton pieces are not counts and stay exact, which keeps the network's
 * logistic regression equal to the pooled one on the released standardization. A numeric feature's
 * count of values moves with the training rows' count (the same draw), so "has gaps" (count < rows)
 * is decided as on exact counts.
 */
function countEntries(phase: RoundRequest['phase'], layout: Layout, length: number): { own: number[]; withRows: number[] } {
  if (phase === 'grid' || phase === 'bins') return { own: Array.from({ length }, (_, i) => i), withRows: [] };
  if (phase !== 'moments') return { own: [], withRows: [] };
  const own = [0, 1, 2, 3];
  const withRows: number[] = [];
  let at = MOMENT_HEADER;
  for (const f of layout.features) {
    if (f.kind === 'numeric') {
      withRows.push(at);
      at += 2;
    } else {
      for (let l = 0; l < f.levels.length; l++) own.push(at + l);
      at += f.levels.length;
    }
  }
  return { own, withRows };
}

/**
 * A province's statistic as it may be contributed: each count plus clamped Laplace noise keyed to the
 * population and to the round's parameters (the same request draws the same noise, so asking again
 * averages nothing away; other parameters draw other noise, so two rounds cannot be subtracted to cancel
 * it), never below zero.
 */
export function noisyStatistic(request: RoundRequest, layout: Layout, vector: Float64Array, noise: PopulationNoise): Float64Array {
  const { round: _round, ...params } = request;
  const u = noise.uniform(`network:${digestOf([JSON.stringify(params)])}`);
  const out = Float64Array.from(vector);
  const { own, withRows } = countEntries(request.phase, layout, vector.length);
  for (const i of own) out[i] = Math.max(0, noisyValue(vector[i], u));
  for (const i of withRows) out[i] = Math.max(0, vector[i] + out[0] - vector[0]);
  return out;
}

/**
 * A province contributes only when its own training rows hold at least its k of each class, and its own
 * test rows too (network-scores.ts), decided on its noisy class counts (the moments' first entries): its
 * steward's k holds for its own enterprises, whatever the other provinces hold, and the refusal is no
 * exact-count oracle.
 */
export function assertNetworkRound(noisyMoments: Float64Array, k: number): void {
  const positives = noisyMoments[1];
  const negatives = noisyMoments[0] - noisyMoments[1];
  if (positives < k || negatives < k) throw new JointlabError('network_too_few_rows', `this province holds too few of the bank's customers in a class for its k = ${k}; it does not take part`, 'conflict');
  assertTestClasses(noisyMoments, k);
}

/**
 * The differencing control of network jobs, per province: a job of the same bank on an overlapping
 * platform column whose population here is within k - 1 enterprises of an earlier network job's is
 * refused, unless it is the very same request (same ids sent, same joined rows, same labels, same
 * roster). A different roster or different labels on the same rows is exactly how a bank would
 * subtract two network sums down to one enterprise. Network prints are kept apart from local jobs'
 * (dataset "network:<name>"), so local jobs' own control is unchanged.
 */
export async function networkDifferencing(q: Queries, subject: string, print: PopulationPrint, variant: string, k: number): Promise<void> {
  const dataset = `network:${print.dataset}`;
  const earlier = await q.all<{ subject: string; columns: string; uploaded: Buffer; ids: Buffer; variant: string | null }>(
    'SELECT subject, columns, uploaded, ids, variant FROM released_populations WHERE org = ? AND dataset = ? AND subject <> ? ORDER BY created_at',
    [print.org, dataset, subject],
  );
  for (const e of earlier) {
    if (!(JSON.parse(e.columns) as string[]).some((c) => print.columns.includes(c))) continue;
    const d = differenceSize(print.ids, e.ids, k);
    if (d === 0 && print.uploaded.equals(e.uploaded) && e.variant === variant) continue;
    if (d < k) throw new JointlabError('network_population_too_close', `differencing control: the bank's population in this province is within ${k - 1} enterprises of the one of network job ${e.subject.replace(/^network:/, '')} under another roster or other labels; this province does not take part`, 'conflict');
  }
  await q.run('INSERT OR IGNORE INTO released_populations (subject, org, dataset, columns, uploaded, ids, created_at, variant) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
    subject,
    print.org,
    dataset,
    JSON.stringify(print.columns),
    print.uploaded,
    print.ids,
    new Date().toISOString(),
    variant,
  ]);
}

/**
 * The standardization is released with the model, so it leaves as coarse as a local model's
 * (population.ts coarseMoments); the network fits with the coarse one, so the released weights are
 * exactly those of the model that scores.
 */
export function coarseNetworkEncoder(encoder: Encoder): Encoder {
  return {
    features: encoder.features,
    columns: encoder.columns.map((c) => (c.kind === 'numeric' ? { ...c, ...coarseMoments(c.mean, c.scale) } : c)),
  };
}

export interface NetworkOutcome {
  model: ModelFile;
  description: Record<string, unknown>;
  moments: NetworkMoments;
  test: { auc: number; ks: number };
  /** The largest k and the largest minimum training rows among the members. */
  k: number;
  minTrainingRows: number;
  /** The summed (noisy) moments: they key the metrics' rounding point (networkDither). */
  dither: string;
}

/**
 * The key of the released metrics' rounding point: a digest of the summed moments, whose counts carry
 * every province's keyed noise, so the bank cannot compute it, and the same population gets the same
 * point (no averaging across re-runs).
 */
export function networkDither(summedMoments: Float64Array): string {
  return createHash('sha256').update(Buffer.from(summedMoments.buffer, summedMoments.byteOffset, summedMoments.byteLength)).digest('hex');
}

/** A scorecard bin with evidence (a WOE) standing for 1 to k - 1 rows of the network. */
function smallBin(state: unknown, k: number): boolean {
  const binnings = (state as { binnings: { bins: { count: number; noEvidence?: true }[] }[] }).binnings;
  return binnings.some((b) => b.bins.some((bin) => bin.count > 0 && bin.count < k && !bin.noEvidence));
}

/** Bin counts (`count`, `bad`) anywhere in the parameters leave as released counts: rounded, null under k. */
function roundedCounts<T>(value: T, k: number): T {
  return JSON.parse(JSON.stringify(value), (key, v) => ((key === 'count' || key === 'bad') && typeof v === 'number' ? releaseCount(v, k) : v));
}


/** The release check on the sums: the model needs enough rows of each class across the network; metrics need enough test rows of each class. */
export function networkRelease(outcome: NetworkOutcome): ReleaseOutcome {
  const { moments, k } = outcome;
  const withheld: Withheld[] = [];
  const trainNegatives = moments.rows.train - moments.positives.train;
  const testNegatives = moments.rows.test - moments.positives.test;
  const released: ReleaseOutcome['released'] = {};
  if (moments.rows.train < outcome.minTrainingRows) withheld.push({ part: 'parameters', reason: `fewer than ${outcome.minTrainingRows} training rows across the network` });
  else if (moments.positives.train < k || trainNegatives < k) withheld.push({ part: 'parameters', reason: `fewer than k = ${k} training rows of a class across the network` });
  else if (outcome.model.kind === 'scorecard' && smallBin(outcome.model.state, k)) withheld.push({ part: 'parameters', reason: `a bin stands for fewer than k = ${k} rows across the network` });
  else released.parameters = roundedCounts({ model: outcome.model, description: outcome.description }, k);
  if (moments.positives.test < k || testNegatives < k) withheld.push({ part: 'metrics', reason: `fewer than k = ${k} test rows of a class across the network` });
  else {
    // As a local job's metrics: METRIC_DIGITS decimals at a keyed point (population.ts releasedMetric).
    const noise = noiseFromKey(outcome.dither);
    const auc = releasedMetric(outcome.test.auc, noise.uniform('auc'));
    released.metrics = {
      test: { auc, ks: releasedMetric(outcome.test.ks, noise.uniform('ks')), gini: Number((2 * auc - 1).toFixed(3)) },
      rows: { train: releaseCount(moments.rows.train, k) ?? 0, test: releaseCount(moments.rows.test, k) ?? 0 },
    };
  }
  withheld.push({ part: 'curves', reason: 'network jobs release no curves' });
  return { released, withheld, k };
}

/** What a province answers per job: a hub that asked for more would be averaging away the noise or probing with chosen parameters. */
export const ROUND_PLAN = {
  /** Each attempt starts with a moments round; a dropped member's retry is a new attempt. */
  attempts: 3,
  /** Rounds of each phase within one attempt. */
  perAttempt: { moments: 1, spread: 1, grid: 1, bins: 1, evaluate: 1, newton: 60 },
} as const;

/** Refuses a round outside the plan, given the phases this province already answered for the job, in order. */
export function assertRoundPlan(answered: readonly RoundRequest['phase'][], phase: RoundRequest['phase']): void {
  const refuse = (why: string): never => {
    throw new JointlabError('network_round_plan', `the round is outside this province's plan for a network job: ${why}`, 'conflict');
  };
  const attemptStart = answered.lastIndexOf('moments');
  if (phase === 'moments') {
    if (answered.filter((p) => p === 'moments').length >= ROUND_PLAN.attempts) refuse(`at most ${ROUND_PLAN.attempts} attempts`);
    return;
  }
  if (attemptStart < 0) refuse('an attempt starts with the moments round');
  const inAttempt = answered.slice(attemptStart).filter((p) => p === phase).length;
  if (inAttempt >= ROUND_PLAN.perAttempt[phase]) refuse(`at most ${ROUND_PLAN.perAttempt[phase]} ${phase} round(s) per attempt`);
}

/**
 * The province's own check of the outcome the hub sends before it stores it: every released count is
 * a released count (a multiple of the rounding grid, or null under k), no scorecard bin stands for 1 to
 * k - 1 rows, and a released model or metrics come from rounds this province actually answered.
 */
export function assertNetworkOutcome(outcome: ReleaseOutcome, k: number, answered: readonly RoundRequest['phase'][]): void {
  const refuse = (why: string): never => {
    throw new JointlabError('network_outcome_refused', `the hub's outcome fails this province's release check: ${why}`, 'conflict');
  };
  if (outcome.k < k) refuse(`it was checked with k = ${outcome.k}, this province's k is ${k}`);
  const parameters = outcome.released.parameters as { model?: { kind?: string; state?: unknown } } | undefined;
  if (parameters) {
    if (!answered.includes('newton')) refuse('a model without Newton rounds from this province');
    JSON.stringify(parameters, (key, v) => {
      if ((key === 'count' || key === 'bad') && v !== null && (typeof v !== 'number' || v % COUNT_ROUNDING !== 0)) refuse(`a bin count is not a released count`);
      return v;
    });
    // Counts arrive released: under k is null, the others rounded to COUNT_ROUNDING (half a step of slack).
    const bins = (parameters.model?.kind === 'scorecard' ? (parameters.model.state as { binnings: { bins: { count: number | null; noEvidence?: true }[] }[] }).binnings : []).flatMap((b) => b.bins);
    if (bins.some((bin) => !bin.noEvidence && bin.count !== 0 && (bin.count === null || bin.count + COUNT_ROUNDING / 2 < k))) refuse(`a bin stands for fewer than k = ${k} rows`);
  }
  if (outcome.released.metrics && !answered.includes('evaluate')) refuse('metrics without an evaluation round from this province');
}

/** Most bin edges per feature a province counts on: the network scorecard's initial bins (models/scorecard.ts). */
export const MAX_BIN_EDGES = 20;

/**
 * Bin edges must be boundaries of the grid this province answered in the same attempt (as the hub's
 * quantile rule places them: lo + c * width to 3 significant digits), at most MAX_BIN_EDGES per feature:
 * a hub free to choose edges could put one just beside a single enterprise's value and read its bin.
 */
export function assertEdgesOnGrid(edges: readonly (readonly number[])[], grids: readonly Grid[] | undefined): void {
  const refuse = (why: string): never => {
    throw new JointlabError('network_round_plan', `the bins round is outside this province's plan: ${why}`, 'conflict');
  };
  if (!grids) return refuse('no grid round of this attempt to place edges on');
  if (edges.length !== grids.length) refuse('one list of edges per numeric feature');
  edges.forEach((e, m) => {
    if (e.length > MAX_BIN_EDGES) refuse(`at most ${MAX_BIN_EDGES} edges per feature`);
    const { lo, width } = grids[m];
    const boundaries = new Set(Array.from({ length: GRID_CELLS }, (_, c) => Number((lo + (c + 1) * width).toPrecision(3))));
    if (e.some((x) => !boundaries.has(x))) refuse('an edge is not a boundary of the agreed grid');
  });
}
