/**
 * A bank's model rewritten as a linear form over terms the enclave can compute from platform rows
 * (standardized values, missing flags, category levels, bin memberships): the terms go out in the
 * clear, their coefficients encrypted. Logistic regression gives the log-odds; a scorecard gives points.
 */
import { Encoder, EncodedColumn, MISSING_LEVEL } from '../../models/encoding';
import { ModelFile } from '../../models/model';
import type { ScorecardState } from '../../models/scorecard';
import { JointlabError } from '../errors';
import { notSplittable } from '../model-parts';

export type Term =
  | { feature: string; kind: 'z' }
  | { feature: string; kind: 'missing' }
  | { feature: string; kind: 'level'; level: string }
  | { feature: string; kind: 'bin'; lower: number | null; upper: number | null };

export interface LinearForm {
  terms: Term[];
  coefficients: number[];
  constant: number;
  /** What the form's value is: the log-odds of default, or scorecard points. */
  output: 'logit' | 'points';
  /** For scorecards: points = offset - factor * logit. */
  scaling?: { offset: number; factor: number };
}

export interface PlatformStats {
  numeric: Record<string, { mean: number; sd: number }>;
  /** Numeric columns whose figures the enclave withholds: a model can use them only through bins. */
  withheld?: string[];
}

function logisticForm(encoder: Encoder, weights: number[], intercept: number, stats: PlatformStats, only?: ReadonlySet<string>): LinearForm {
  const terms: Term[] = [];
  const coefficients: number[] = [];
  let constant = only ? 0 : intercept;
  let at = 0;
  for (const column of encoder.columns as EncodedColumn[]) {
    if (only && !only.has(column.name)) {
      at += column.kind === 'numeric' ? (column.missingIndicator ? 2 : 1) : column.levels.length;
      continue;
    }
    if (column.kind === 'numeric') {
      const w = weights[at++];
      const wMissing = column.missingIndicator ? weights[at++] : 0;
      const platform = stats.numeric[column.name];
      if (!platform && stats.withheld?.includes(column.name)) {
        throw new JointlabError('model_feature', `the dataset's policy withholds the mean and sd of "${column.name}": private scoring can use it only in a scorecard (bins)`, 'validation');
      }
      if (!platform) throw new JointlabError('model_feature', `feature "${column.name}" is not a numeric platform column of the job`, 'validation');
      // (x - m)/s with x = mean_P + sd_P z: coefficient on z, a shift that applies only when present.
      const shift = (w * (platform.mean - column.mean)) / column.scale;
      terms.push({ feature: column.name, kind: 'z' }, { feature: column.name, kind: 'missing' });
      coefficients.push((w * platform.sd) / column.scale, wMissing - shift);
      constant += shift;
    } else {
      for (const level of column.levels) {
        const w = weights[at++];
        terms.push(level === MISSING_LEVEL ? { feature: column.name, kind: 'missing' } : { feature: column.name, kind: 'level', level });
        coefficients.push(w);
      }
    }
  }
  return { terms, coefficients, constant, output: 'logit' };
}

function scorecardForm(state: ScorecardState, only?: ReadonlySet<string>): LinearForm {
  const terms: Term[] = [];
  const coefficients: number[] = [];
  let constant = only ? 0 : state.offset - state.factor * state.intercept;
  for (const { feature, coefficient } of state.selected) {
    const b = state.binnings[feature];
    if (only && !only.has(b.name)) continue;
    const points = (woe: number) => -state.factor * coefficient * woe;
    if (b.kind === 'numeric') {
      b.bins.forEach((bin, i) => {
        terms.push({ feature: b.name, kind: 'bin', lower: i === 0 ? null : b.edges[i - 1], upper: i === b.bins.length - 1 ? null : b.edges[i] });
        coefficients.push(points(bin.woe));
      });
      terms.push({ feature: b.name, kind: 'missing' });
      coefficients.push(points(b.missing.woe));
    } else {
      // Levels outside the card take the "other" bin: its points are the base, each known level adds its difference.
      const other = points(b.bins[b.otherBin].woe);
      constant += other;
      for (const [level, bin] of b.levelBins) {
        terms.push({ feature: b.name, kind: 'level', level });
        coefficients.push(points(b.bins[bin].woe) - other);
      }
      terms.push({ feature: b.name, kind: 'missing' });
      coefficients.push(points(b.missing.woe) - other);
    }
  }
  return { terms, coefficients, constant, output: 'points', scaling: { offset: state.offset, factor: state.factor } };
}

/**
 * `only`: the platform part of a joint model (lab/model-parts.ts): terms of these features alone, and
 * no intercept or base points, which belong to the bank part. The constant then holds only what the
 * part itself shifts (a numeric feature's recentring on the platform's mean, a category's "other" bin).
 */
export function linearForm(model: ModelFile, stats: PlatformStats, only?: ReadonlySet<string>): LinearForm {
  if (model.kind === 'lr') {
    const s = model.state as { encoder: Encoder; weights: number[]; intercept: number };
    return logisticForm(s.encoder, s.weights, s.intercept, stats, only);
  }
  if (model.kind === 'scorecard') return scorecardForm(model.state as ScorecardState, only);
  if (only) throw notSplittable(model.kind);
  throw new JointlabError('model_kind', 'private-model scoring takes logistic regression and scorecard models', 'usage');
}
