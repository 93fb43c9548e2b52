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

/** The design matrix column by column: the layout the Newton solver's dot products run fastest on. */
export interface Design {
  columns: Float64Array[];
  rows: number;
}

/** The same matrix row-major (n x width), as tensors and the MLP's forward pass want it. */
export function rowMajor(design: Design): Float64Array {
  const width = design.columns.length;
  const x = new Float64Array(design.rows * width);
  design.columns.forEach((c, j) => {
    for (let i = 0; i < design.rows; i++) x[i * width + j] = c[i];
  });
  return x;
}

/** Categorical levels rarer than this share of training rows fall into no column at all. */
const MIN_LEVEL_SHARE = 0.001;
const MAX_LEVELS = 64;
export const MISSING_LEVEL = '(missing)';

/** `minLevelCount`: categories seen on fewer training rows get no column (the enclave passes its k). */
export function fitEncoder(frame: Frame, minLevelCount = 1): Encoder {
  const columns = frame.columns.map((c): EncodedColumn => {
    if (c.kind === 'numeric') {
      const values = c.values;
      let sum = 0;
      let count = 0;
      for (let i = 0; i < values.length; i++) {
        if (!Number.isNaN(values[i])) {
          sum += values[i];
          count++;
        }
      }
      const mean = count ? sum / count : 0;
      let ss = 0;
      for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) ss += (values[i] - mean) * (values[i] - mean);
      const sd = count ? Math.sqrt(ss / count) : 0;
      return { kind: 'numeric', name: c.name, mean, scale: sd > 0 ? sd : 1, missingIndicator: count < frame.rows };
    }
    const counts = new Map<string, number>();
    for (const v of c.values) {
      const level = v ?? MISSING_LEVEL;
      counts.set(level, (counts.get(level) ?? 0) + 1);
    }
    const levels = [...counts.entries()]
      .filter(([, n]) => n >= Math.max(minLevelCount, MIN_LEVEL_SHARE * frame.rows))
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
  const n = frame.rows;
  const columns: Float64Array[] = [];
  encoder.columns.forEach((spec, j) => {
    const col = source[j];
    if (spec.kind === 'numeric' && col.kind === 'numeric') {
      const values = new Float64Array(n);
      const missing = spec.missingIndicator ? new Float64Array(n) : undefined;
      for (let i = 0; i < n; i++) {
        const v = col.values[i];
        if (Number.isNaN(v)) {
          if (missing) missing[i] = 1;
        } else values[i] = (v - spec.mean) / spec.scale;
      }
      columns.push(values);
      if (missing) columns.push(missing);
    } else if (spec.kind === 'categorical' && col.kind === 'categorical') {
      const index = new Map(spec.levels.map((level, k) => [level, k]));
      const oneHot = spec.levels.map(() => new Float64Array(n));
      for (let i = 0; i < n; i++) {
        const k = index.get(col.values[i] ?? MISSING_LEVEL);
        if (k !== undefined) oneHot[k][i] = 1;
      }
      columns.push(...oneHot);
    }
  });
  return { columns, rows: n };
}
