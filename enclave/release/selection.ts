/**
 * Feature selection's path as it leaves the enclave. Every figure on it is an aggregate over the
 * training rows: IV comes from bins of at least k rows whose counts carry the population's noise
 * (as the scorecard's own); correlation, VIF, AIC and AUC are coarsened here, each at a keyed random
 * rounding point so that a boundary is no oracle, as released metrics are.
 */
import { ReleasedSelection } from '../../lab/api/selection';
import { SelectionMetric, SelectionResult } from '../../models/selection/path';
import { METRIC_DIGITS, PopulationNoise, noisyValue } from './population';

/**
 * The grid each figure is rounded to. AUC: the released metrics' 3 decimals. AIC is a sum over rows
 * (2k - 2 log L): its decimals are one row's log-loss and say nothing about the choice, which moves by
 * 2 per parameter, so it goes to whole units. IV (already from noisy counts) to 3 decimals,
 * correlation to 2, VIF to 2 significant digits.
 */
export const SELECTION_GRID: Record<Exclude<SelectionMetric, 'vif'>, number> = { auc: 10 ** -METRIC_DIGITS, aic: 1, iv: 0.001, correlation: 0.01 };

function rounded(metric: SelectionMetric, value: number, u: () => number): number {
  if (!Number.isFinite(value)) return value;
  const grid = metric === 'vif' ? 10 ** (Math.floor(Math.log10(Math.abs(value) || 1)) - 1) : SELECTION_GRID[metric];
  const digits = Math.max(0, -Math.round(Math.log10(grid)));
  const out = Math.floor(value / grid + u()) * grid;
  // AUC and |r| stay within [0, 1], as their unrounded values did.
  const clamped = metric === 'auc' || metric === 'correlation' ? Math.min(1, Math.max(0, out)) : out;
  return Number(clamped.toFixed(digits));
}

/**
 * The path with every figure coarsened; features, actions and order unchanged. Validation AUC is an
 * aggregate over the validation slice: when a class there has fewer than about k rows (decided on the
 * noisy count, as every k rule), the AUC figures are null. The same population gives the same figures.
 */
export function releasedSelection(selection: SelectionResult, noise: PopulationNoise, k: number): ReleasedSelection {
  const at = (figure: string): (() => number) => {
    const source = noise.uniform(`selection.${figure}`);
    return () => source.next();
  };
  const v = selection.validation;
  const smallSlice = v !== undefined && Math.min(noisyValue(v.positive, noise.uniform('selection.validation.positive')), noisyValue(v.negative, noise.uniform('selection.validation.negative'))) < k;
  const figure = (metric: SelectionMetric, value: number, name: string): number | null => (metric === 'auc' && smallSlice ? null : rounded(metric, value, at(name)));
  return {
    features: [...selection.features],
    path: selection.path.map((s) => ({ ...s, value: figure(s.metric, s.value, `step.${s.step}`) })),
    ...(selection.start ? { start: { metric: selection.start.metric, value: figure(selection.start.metric, selection.start.value, 'start') } } : {}),
    ...(smallSlice ? { note: `validation AUC withheld: a label class of the validation slice has fewer than about ${k} rows` } : {}),
  };
}
