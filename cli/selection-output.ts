/** Feature selection in the CLI: the flags `train` takes, and the path printed as a table. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { assertSelection } from '../lab/spec/selection-spec';
import type { ReleasedSelection } from '../lab/api/selection';
import { SELECTION_CRITERIA, SELECTION_METHODS, SelectionMetric, SelectionOptions } from '../models/selection/path';
import { positiveInteger } from './options';
import { table } from './output';

export interface SelectionFlags {
  select?: string;
  criterion?: string;
  ivMin?: number;
  maxCorrelation?: number;
  maxVif?: number;
  maxFeatures?: number;
  validationFraction?: number;
}

const number = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};

export function addSelectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--select <method>', 'feature selection before the fit (lr, scorecard): none (filters only), forward or stepwise').choices([...SELECTION_METHODS]))
    .addOption(new Option('--criterion <c>', 'selection criterion: aic on the training rows, or auc on a validation slice of them').choices([...SELECTION_CRITERIA]))
    .option('--iv-min <x>', 'drop features whose information value is below this (e.g. 0.02)', number)
    .option('--max-correlation <r>', 'of two features correlating above this, drop the one with the lower IV', number)
    .option('--max-vif <v>', 'drop the highest-VIF feature until none is above this (e.g. 10)', number)
    .option('--max-features <n>', 'forward and stepwise stop at this many features (default 20)', positiveInteger)
    .option('--validation-fraction <f>', 'criterion auc: share of the training rows held out to compare models (default 0.25)', number);
}

/** The selection the flags ask for, checked against the spec's schema; undefined when no selection flag is given. */
export function selectionFromFlags(flags: SelectionFlags): SelectionOptions | undefined {
  const block = {
    method: flags.select,
    criterion: flags.criterion,
    ivMin: flags.ivMin,
    maxCorrelation: flags.maxCorrelation,
    maxVif: flags.maxVif,
    maxFeatures: flags.maxFeatures,
    validationFraction: flags.validationFraction,
  };
  const given = Object.fromEntries(Object.entries(block).filter(([, v]) => v !== undefined));
  if (Object.keys(given).length === 0) return undefined;
  // --criterion alone means a search by it, not filters only.
  if (given.criterion !== undefined && given.method === undefined) given.method = 'forward';
  return assertSelection(given);
}

function valueText(s: { metric: SelectionMetric; value: number | null }): string {
  if (s.value === null) return 'withheld';
  if (!Number.isFinite(s.value)) return String(s.value);
  if (s.metric === 'aic') return s.value.toFixed(Number.isInteger(s.value) ? 0 : 1);
  if (s.metric === 'vif') return s.value >= 1000 ? s.value.toExponential(2) : s.value.toPrecision(3);
  return s.value.toFixed(3);
}

/** The path as a table: step, action, feature, metric and its value (and the feature a correlated one gave way to); a local run's or a release's. */
export function selectionLines(selection: ReleasedSelection): string {
  const rows = selection.path.map((s) => [String(s.step), s.action, s.feature, s.metric, valueText(s), s.against ? `kept ${s.against}` : '']);
  const start = selection.start ? `search started from the intercept-only model, ${selection.start.metric} ${valueText(selection.start)}\n` : '';
  const kept = `kept ${selection.features.length} feature${selection.features.length === 1 ? '' : 's'}: ${selection.features.join(', ') || '(none)'}${selection.note ? `\n${selection.note}` : ''}`;
  if (!rows.length) return `feature selection: nothing filtered or searched\n${kept}`;
  return `feature selection:\n${start}${table([['step', 'action', 'feature', 'metric', 'value', ''], ...rows])}\n${kept}`;
}
