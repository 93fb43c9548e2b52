/**
 * Disclosure rules of network jobs (enclave/network/ and the hub): what a province checks before it
 * contributes a statistic, the standardization the network fits with, and the release check on the
 * securely summed figures with k across the network (the largest k of the members).
 */
import { JointlabError } from '../../lab/errors';
import type { LocalData } from '../../lab/network/statistics';
import type { NetworkMoments } from '../../lab/network/encoder';
import type { Encoder } from '../../models/encoding';
import type { ModelFile } from '../../models/model';
import type { ReleaseOutcome, Withheld } from '../../lab/api/results';
import { releaseCount } from './disclosure';
import { METRIC_DIGITS, coarseMoments } from './population';

/**
 * A province contributes only when its own training rows hold at least its k of each class: its
 * steward's k holds for its own enterprises, whatever the other provinces hold.
 */
export function assertNetworkRound(data: LocalData, k: number): void {
  const positives = data.train.labels.reduce((s, v) => s + v, 0);
  const negatives = data.train.labels.length - positives;
  if (positives < k || negatives < k) throw new JointlabError('network_too_few_rows', `this province holds fewer than its k = ${k} of the bank's customers in a class; it does not take part`, 'conflict');
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
}

/**
 * Network metrics leave to one more digit than a single enclave's (METRIC_DIGITS + 1): the test set spans
 * provinces the bank cannot choose one by one, and the network's claim to equal pooled training is
 * checked on that digit.
 */
/** A scorecard bin with evidence (a WOE) standing for 1 to k - 1 rows of the network. */
function smallBin(state: unknown, k: number): boolean {
  const binnings = (state as { binnings: { bins: { count: number; noEvidence?: true }[] }[] }).binnings;
  return binnings.some((b) => b.bins.some((bin) => bin.count > 0 && bin.count < k && !bin.noEvidence));
}

/** Bin counts (`count`, `bad`) anywhere in the parameters leave as released counts: rounded, null under k. */
function roundedCounts<T>(value: T, k: number): T {
  return JSON.parse(JSON.stringify(value), (key, v) => ((key === 'count' || key === 'bad') && typeof v === 'number' ? releaseCount(v, k) : v));
}

const metric = (x: number): number => Number(x.toFixed(METRIC_DIGITS + 1));

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
    const auc = metric(outcome.test.auc);
    released.metrics = {
      test: { auc, ks: metric(outcome.test.ks), gini: metric(2 * auc - 1) },
      rows: { train: releaseCount(moments.rows.train, k) ?? 0, test: releaseCount(moments.rows.test, k) ?? 0 },
    };
  }
  withheld.push({ part: 'curves', reason: 'network jobs release no curves' });
  return { released, withheld, k };
}
