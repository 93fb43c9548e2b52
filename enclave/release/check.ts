/**
 * The release check: the one function every training outcome passes through before anything leaves
 * the enclave. It returns what may be released and, for each part held back, the reason.
 */
import { BinaryMetrics } from '../../models/metrics';
import { ModelFile } from '../../models/model';
import { randomBytes } from 'node:crypto';
import { releasedCurves } from './curves';
import { SelectionResult } from '../../models/selection/path';
import { releasedSelection } from './selection';
import { DP_SHARES, PopulationNoise, keyedNoise, noisyCount, noisyValue, releasedMetric } from './population';
import type { OutputPart, ReleaseOutcome, Released, Withheld } from '../../lab/api/results';

export interface TrainingOutcome {
  model: ModelFile;
  description: Record<string, unknown>;
  rows: { train: number; test: number };
  classes: { train: { positive: number; negative: number }; test: { positive: number; negative: number } };
  metrics: { train: BinaryMetrics; test: BinaryMetrics };
  /** Test labels and scores, row by row: used here to draw coarse curves, never released. */
  test: { labels: Uint8Array; scores: Float64Array };
  /** Feature selection's path, when the spec asked for it. */
  selection?: SelectionResult;
}

export interface ReleaseRules {
  k: number;
  minTrainingRows: number;
  outputs: readonly OutputPart[];
  /** Noise keyed to the job's population (training-data.ts); fresh random noise when absent. */
  noise?: PopulationNoise;
  /** The job's epsilon under a DP spec: counts and test metrics get their shares of it (population.ts DP_SHARES). */
  epsilon?: number;
}

/** Scorecard bins standing for fewer than k rows: such a bin's WOE and points would describe a handful of enterprises. */
function smallBins(description: Record<string, unknown>, k: number): string[] {
  const features = (description.features as { name: string; bins: { count: number; noEvidence?: true }[] }[] | undefined) ?? [];
  const small: string[] = [];
  // A bin held at no evidence (WOE 0) says nothing about its rows; its count is suppressed below.
  for (const f of features) if (f.bins.some((b) => b.count > 0 && b.count < k && !b.noEvidence)) small.push(`a bin of feature "${f.name}" stands for fewer than ${k} rows`);
  return small;
}

/**
 * Tree nodes standing for fewer than k rows: a leaf's value would describe a handful of enterprises.
 * The fit already refuses such splits (minChildRows is k); this checks the model that is about to leave.
 */
function smallTreeNodes(model: { kind?: string; state?: unknown }, k: number): string[] {
  if (model.kind !== 'gbdt') return [];
  const trees = ((model.state as { trees?: { count: number }[][] }).trees ?? []);
  return trees.some((tree) => tree.some((node) => node.count < k)) ? [`a tree node stands for fewer than ${k} rows`] : [];
}

/** Counts (`count`, `bad`) anywhere in released parameters pass through the disclosure rule: noisy, rounded, null under k. */
export function suppressSmallCounts<T>(value: T, k: number, noise: PopulationNoise = freshNoise(), scale?: number): T {
  const u = noise.uniform('parameters.counts');
  return JSON.parse(JSON.stringify(value), (key, v) => ((key === 'count' || key === 'bad') && typeof v === 'number' ? noisyCount(v, k, u, scale) : v));
}

function freshNoise(): PopulationNoise {
  return keyedNoise(randomBytes(32), 'unkeyed');
}

/**
 * The metrics as released. Without DP: three decimals at a keyed random rounding point; two nearly
 * equal populations' AUC and KS differ by where one enterprise's score ranks among the other class's
 * (at most 1 / the smaller class), which the differencing control (differencing.ts) keeps from being
 * asked. Under DP: Laplace noise of sensitivity 1 / the smaller test class on AUC and KS with their
 * shares of epsilon, Gini from the noisy AUC; train metrics are not released.
 */
function releasedMetrics(m: BinaryMetrics, noise: PopulationNoise, part: string, dp?: { epsilon: number; smallerClass: number }): BinaryMetrics {
  const sensitivity = dp ? 1 / Math.max(dp.smallerClass, 1) : 0;
  const auc = releasedMetric(m.auc, noise.uniform(`${part}.auc`), dp ? sensitivity / (DP_SHARES.auc * dp.epsilon) : 0);
  const ks = releasedMetric(m.ks, noise.uniform(`${part}.ks`), dp ? sensitivity / (DP_SHARES.ks * dp.epsilon) : 0);
  return { auc, ks, gini: Number((2 * auc - 1).toFixed(3)) };
}

/** Under DP: one row moves a row count and a class count by one each (L1 sensitivity 2 over the six counts below). */
function countNoiseScale(epsilon: number | undefined): number | undefined {
  return epsilon !== undefined ? 2 / (DP_SHARES.counts * epsilon) : undefined;
}

/**
 * Every count noisy, and so every decision on one: a rule that flips at exactly 100 rows or at
 * exactly k in a class would tell the bank whether one more of its ids joined. The same population
 * and rules give the same figures (the noise is keyed), wherever they are asked for.
 */
export function noisyFigures(
  outcome: Pick<TrainingOutcome, 'rows' | 'classes'>,
  rules: Pick<ReleaseRules, 'noise' | 'epsilon'>,
): { rows: { train: number; test: number }; trainRows: number; classes: { train: number; test: number } } {
  const noise = rules.noise ?? freshNoise();
  const scale = countNoiseScale(rules.epsilon);
  // Released row counts are rounded; decisions are taken on the unrounded noisy values (rounding would lift 9 to 10).
  const count = (figure: string, n: number): number => noisyCount(n, 0, noise.uniform(figure), scale) ?? 0;
  const value = (figure: string, n: number): number => noisyValue(n, noise.uniform(figure), scale);
  return {
    rows: { train: count('rows.train', outcome.rows.train), test: count('rows.test', outcome.rows.test) },
    trainRows: value('rows.train', outcome.rows.train),
    classes: {
      train: Math.min(value('classes.train.positive', outcome.classes.train.positive), value('classes.train.negative', outcome.classes.train.negative)),
      test: Math.min(value('classes.test.positive', outcome.classes.test.positive), value('classes.test.negative', outcome.classes.test.negative)),
    },
  };
}

/** The reason no fit is worth running (too few rows, or a class under k, on the noisy counts), or undefined. */
export function beforeTraining(outcome: Pick<TrainingOutcome, 'rows' | 'classes'>, rules: ReleaseRules): string | undefined {
  const { trainRows, classes } = noisyFigures(outcome, rules);
  if (trainRows < rules.minTrainingRows) return `trained on fewer than about ${rules.minTrainingRows} rows`;
  if (classes.train < rules.k) return `a label class has fewer than about ${rules.k} training rows`;
  return undefined;
}

export function releaseCheck(outcome: TrainingOutcome, rules: ReleaseRules): ReleaseOutcome {
  const { k } = rules;
  const noise = rules.noise ?? freshNoise();
  const dp = rules.epsilon;
  const countScale = countNoiseScale(dp);
  const { rows, trainRows, classes } = noisyFigures(outcome, rules);
  const withheld: Withheld[] = [];
  const released: Released = {};
  const wants = (part: OutputPart): boolean => rules.outputs.includes(part);
  const hold = (part: OutputPart, reason: string): void => {
    if (wants(part)) withheld.push({ part, reason });
  };

  const tooFewRows = trainRows < rules.minTrainingRows ? `trained on fewer than about ${rules.minTrainingRows} rows` : undefined;
  const trainClasses = classes.train < k ? `a label class has fewer than about ${k} training rows` : undefined;
  const testClasses = classes.test < k ? `a label class has fewer than about ${k} test rows` : undefined;

  // A differentially private scorecard's bin counts are noisy by design: the k rule on them is the mechanism's job.
  const isPrivate = (outcome.model.params as { privacy?: unknown }).privacy !== undefined;
  const parameterProblem = tooFewRows ?? trainClasses ?? (isPrivate ? undefined : [...smallBins(outcome.description, k), ...smallTreeNodes(outcome.model, k)][0]);
  if (parameterProblem) hold('parameters', parameterProblem);
  else if (wants('parameters')) {
    released.parameters = suppressSmallCounts({ model: outcome.model, description: outcome.description }, k, noise, countScale);
    // Selection is refused under DP at submission; were it to run, its figures would not be accounted.
    if (outcome.selection && dp === undefined) released.selection = releasedSelection(outcome.selection, noise, k);
  }

  const metricsProblem = tooFewRows ?? trainClasses;
  if (metricsProblem) hold('metrics', metricsProblem);
  else if (wants('metrics')) {
    // The sensitivity is taken from the noisy class counts (post-processing), never the exact ones.
    const smallerClass = Math.max(classes.test, k);
    const test = testClasses ? {} : { test: releasedMetrics(outcome.metrics.test, noise, 'test', dp !== undefined ? { epsilon: dp, smallerClass } : undefined) };
    // Under DP the budget buys the test metrics only: train metrics describe the training rows again.
    const train = dp !== undefined ? {} : { train: releasedMetrics(outcome.metrics.train, noise, 'train') };
    released.metrics = { ...train, ...test, rows };
    if (testClasses) withheld.push({ part: 'metrics', reason: `test metrics: ${testClasses}` });
  }

  const curveProblem = dp !== undefined ? 'curves are not released under a DP spec: the epsilon buys the model, counts and test metrics' : (tooFewRows ?? trainClasses ?? testClasses);
  if (curveProblem) hold('curves', curveProblem);
  else if (wants('curves')) released.curves = releasedCurves(outcome.test.labels, outcome.test.scores, k, noise);

  return { released, withheld, k };
}
