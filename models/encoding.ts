/**
 * Turns a frame into the dense, standardized matrix that logistic regression and the MLP fit on:
 * numeric columns are mean-imputed and standardized (with a missing-value indicator when the
 * training data had gaps), categorical columns are one-hot encoded over their training levels.
 */
import { Frame, FeatureRef, assertColumnsMatch, featureRefs } from './frame';

export type EncodedColumn =
  | { kind: 'numeric'; name: string; mean: number; scale: number; missingIndicator: boolean }
  | { kind: 'categorical'; name: string; levels: string[] };

export interface Encoder {
  features: FeatureRef[];
  columns: EncodedColumn[];
}

export interface Design {
  x: Float64Array;
  rows: number;
  width: number;
}

/** Categorical levels rarer than this share of training rows fall into no column at all. */
const MIN_LEVEL_SHARE = 0.001;
const MAX_LEVELS = 64;
export const MISSING_LEVEL = '(missing)';

export function fitEncoder(frame: Frame): Encoder {
  const columns = frame.columns.map((c): EncodedColumn => {
    if (c.kind === 'numeric') {
      let sum = 0;
      let count = 0;
      for (const v of c.values) if (!Number.isNaN(v)) { sum += v; count++; }
      const mean = count ? sum / count : 0;
      let ss = 0;
      for (const v of c.values) if (!Number.isNaN(v)) ss += (v - mean) ** 2;
      const sd = count ? Math.sqrt(ss / count) : 0;
      return { kind: 'numeric', name: c.name, mean, scale: sd > 0 ? sd : 1, missingIndicator: count < frame.rows };
    }
    const counts = new Map<string, number>();
    for (const v of c.values) {
      const level = v ?? MISSING_LEVEL;
      counts.set(level, (counts.get(level) ?? 0) + 1);
    }
    const levels = [...counts.entries()]
      .filter(([, n]) => n >= Math.max(1, MIN_LEVEL_SHARE * frame.rows))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_LEVELS)
      .map(([level]) => level);
    return { kind: 'categorical', name: c.name, levels };
  });
  return { features: featureRefs(frame), columns };
}

/** Names of the design matrix's columns, in order: the feature, `feature:missing`, or `feature=level`. */
export function designNames(encoder: Encoder): string[] {
  const names: string[] = [];
  for (const c of encoder.columns) {
    if (c.kind === 'numeric') {
      names.push(c.name);
      if (c.missingIndicator) names.push(`${c.name}:missing`);
    } else {
      for (const level of c.levels) names.push(`${c.name}=${level}`);
    }
  }
  return names;
}

export function encode(encoder: Encoder, frame: Frame): Design {
  const source = assertColumnsMatch(frame, encoder.features);
  const width = designNames(encoder).length;
  const n = frame.rows;
  const x = new Float64Array(n * width);
  let offset = 0;
  encoder.columns.forEach((spec, j) => {
    const col = source[j];
    if (spec.kind === 'numeric' && col.kind === 'numeric') {
      for (let i = 0; i < n; i++) {
        const v = col.values[i];
        const missing = Number.isNaN(v);
        x[i * width + offset] = missing ? 0 : (v - spec.mean) / spec.scale;
        if (spec.missingIndicator) x[i * width + offset + 1] = missing ? 1 : 0;
      }
      offset += spec.missingIndicator ? 2 : 1;
    } else if (spec.kind === 'categorical' && col.kind === 'categorical') {
      const index = new Map(spec.levels.map((level, k) => [level, k]));
      for (let i = 0; i < n; i++) {
        const k = index.get(col.values[i] ?? MISSING_LEVEL);
        if (k !== undefined) x[i * width + offset + k] = 1;
      }
      offset += spec.levels.length;
    }
  });
  return { x, rows: n, width };
}
