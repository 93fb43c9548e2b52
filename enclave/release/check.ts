/**
 * The release check: the one function every training outcome passes through before anything leaves
 * the enclave. It returns what may be released and, for each part held back, the reason.
 */
import { OUTPUTS } from '../../lab/spec/job-spec';
import { BinaryMetrics } from '../../models/metrics';
import { ModelFile } from '../../models/model';
import { Curves, releasedCurves } from './curves';
import { releaseCount } from './disclosure';

export type OutputPart = (typeof OUTPUTS)[number];

export interface TrainingOutcome {
  model: ModelFile;
  description: Record<string, unknown>;
  rows: { train: number; test: number };
  classes: { train: { positive: number; negative: number }; test: { positive: number; negative: number } };
  metrics: { train: BinaryMetrics; test: BinaryMetrics };
  /** Test labels and scores, row by row: used here to draw coarse curves, never released. */
  test: { labels: Uint8Array; scores: Float64Array };
}

export interface Released {
  parameters?: { model: ModelFile; description: Record<string, unknown> };
  metrics?: { train?: BinaryMetrics; test?: BinaryMetrics; rows: { train: number; test: number } };
  curves?: Curves;
}

export interface Withheld {
  part: OutputPart;
  reason: string;
}

export interface ReleaseOutcome {
  released: Released;
  withheld: Withheld[];
  k: number;
}

export interface ReleaseRules {
  k: number;
  minTrainingRows: number;
  outputs: readonly OutputPart[];
}

/** Scorecard bins standing for fewer than k rows: such a bin's WOE and points would describe a handful of enterprises. */
function smallBins(description: Record<string, unknown>, k: number): string[] {
  const features = (description.features as { name: string; bins: { count: number; noEvidence?: true }[] }[] | undefined) ?? [];
  const small: string[] = [];
  // A bin held at no evidence (WOE 0) says nothing about its rows; its count is suppressed below.
  for (const f of features) if (f.bins.some((b) => b.count > 0 && b.count < k && !b.noEvidence)) small.push(`a bin of feature "${f.name}" stands for fewer than ${k} rows`);
  return small;
}

/** Counts (`count`, `bad`) anywhere in released parameters pass through the disclosure rule. */
export function suppressSmallCounts<T>(value: T, k: number): T {
  return JSON.parse(JSON.stringify(value), (key, v) => ((key === 'count' || key === 'bad') && typeof v === 'number' ? releaseCount(v, k) : v));
}

export function releaseCheck(outcome: TrainingOutcome, rules: ReleaseRules): ReleaseOutcome {
  const { k } = rules;
  const withheld: Withheld[] = [];
  const released: Released = {};
  const wants = (part: OutputPart): boolean => rules.outputs.includes(part);
  const hold = (part: OutputPart, reason: string): void => {
    if (wants(part)) withheld.push({ part, reason });
  };

  const tooFewRows = outcome.rows.train < rules.minTrainingRows ? `trained on fewer than ${rules.minTrainingRows} rows` : undefined;
  const trainClasses = Math.min(outcome.classes.train.positive, outcome.classes.train.negative) < k ? `a label class has fewer than ${k} training rows` : undefined;
  const testClasses = Math.min(outcome.classes.test.positive, outcome.classes.test.negative) < k ? `a label class has fewer than ${k} test rows` : undefined;

  // A differentially private scorecard's bin counts are noisy by design: the k rule on them is the mechanism's job.
  const isPrivate = (outcome.model.params as { privacy?: unknown }).privacy !== undefined;
  const parameterProblem = tooFewRows ?? trainClasses ?? (isPrivate ? undefined : smallBins(outcome.description, k)[0]);
  if (parameterProblem) hold('parameters', parameterProblem);
  else if (wants('parameters')) released.parameters = suppressSmallCounts({ model: outcome.model, description: outcome.description }, k);

  const metricsProblem = tooFewRows ?? trainClasses;
  if (metricsProblem) hold('metrics', metricsProblem);
  else if (wants('metrics')) {
    released.metrics = { train: outcome.metrics.train, ...(testClasses ? {} : { test: outcome.metrics.test }), rows: outcome.rows };
    if (testClasses) withheld.push({ part: 'metrics', reason: `test metrics: ${testClasses}` });
  }

  const curveProblem = tooFewRows ?? trainClasses ?? testClasses;
  if (curveProblem) hold('curves', curveProblem);
  else if (wants('curves')) released.curves = releasedCurves(outcome.test.labels, outcome.test.scores, k);

  return { released, withheld, k };
}
