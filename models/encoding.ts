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
      const { mean, sd, count } = moments(c.values);
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

/** Mean and population standard deviation of the present (non-NaN) values, and how many there are. */
function moments(values: Float64Array): { mean: number; sd: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === v) {
      sum += v;
      count++;
    }
  }
  const mean = count ? sum / count : 0;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === v) ss += (v - mean) * (v - mean);
  }
  return { mean, sd: count ? Math.sqrt(ss / count) : 0, count };
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
      const missing = spec.missingIndicator ? new Float64Array(n) : undefined;
      columns.push(standardize(col.values, n, spec.mean, spec.scale, missing));
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

/**
 * The design as raw columns with a centre and a scale each: column j of the design is
 * (columns[j] - center[j]) / scale[j]. Numeric columns without a gap are handed over as they are (no
 * copy); the rest are encoded as `encode` does, with centre 0 and scale 1. Logistic regression fits on
 * this form, which spares a standardized copy of the table.
 */
export interface AffineDesign extends Design {
  center: Float64Array;
  scale: Float64Array;
}

export function encodeAffine(encoder: Encoder, frame: Frame): AffineDesign {
  const source = assertColumnsMatch(frame, encoder.features);
  const columns: Float64Array[] = [];
  const center: number[] = [];
  const scale: number[] = [];
  encoder.columns.forEach((spec, j) => {
    const col = source[j];
    if (spec.kind === 'numeric' && col.kind === 'numeric' && !spec.missingIndicator && !hasGap(col.values, frame.rows)) {
      columns.push(col.values.length === frame.rows ? col.values : col.values.subarray(0, frame.rows));
      center.push(spec.mean);
      scale.push(spec.scale);
      return;
    }
    const encoded = encode({ features: [encoder.features[j]], columns: [spec] }, { rows: frame.rows, columns: [col] }).columns;
    for (const c of encoded) {
      columns.push(c);
      center.push(0);
      scale.push(1);
    }
  });
  return { columns, rows: frame.rows, center: Float64Array.from(center), scale: Float64Array.from(scale) };
}

function hasGap(values: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (values[i] !== values[i]) return true;
  return false;
}

/**
 * (v - mean) / scale per value, 0 (the mean) where missing, with 1 in `missing` there. A function of
 * its own over a plain Float64Array so the JIT keeps the loop monomorphic: inline in `encode`, reading
 * through the column union cost several times the arithmetic.
 */
function standardize(source: Float64Array, n: number, mean: number, scale: number, missing: Float64Array | undefined): Float64Array {
  const values = new Float64Array(n);
  const inverse = 1 / scale;
  for (let i = 0; i < n; i++) {
    const v = source[i];
    if (v === v) values[i] = (v - mean) * inverse;
    else if (missing) missing[i] = 1;
  }
  return values;
}
