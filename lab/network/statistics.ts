/**
 * One province's sufficient statistics for each phase of a network job, as plain float vectors: what
 * the enclave fixed-point encodes and masks, and what the hub only ever sees summed over provinces.
 */
import { Frame } from '../../models/frame';
import { Encoder, encode } from '../../models/encoding';
import { FeatureBinning, binAssigner, binWoe } from '../../models/binning';
import { binOf } from '../../models/metrics';
import { sigmoid } from '../../models/linalg';
import { GRID_CELLS, Grid, Layout, MOMENT_HEADER, binCountsLength, gridLength, momentsLength, newtonLength } from './layout';

export interface LocalPart {
  frame: Frame;
  labels: Uint8Array;
}

export interface LocalData {
  train: LocalPart;
  test: LocalPart;
}

const positives = (labels: Uint8Array): number => labels.reduce((s, v) => s + v, 0);

export function momentsOf(data: LocalData, layout: Layout): Float64Array {
  const out = new Float64Array(momentsLength(layout));
  out[0] = data.train.frame.rows;
  out[1] = positives(data.train.labels);
  out[2] = data.test.frame.rows;
  out[3] = positives(data.test.labels);
  let at = MOMENT_HEADER;
  layout.features.forEach((f, j) => {
    const column = data.train.frame.columns[j];
    if (f.kind === 'numeric' && column.kind === 'numeric') {
      for (const v of column.values) {
        if (Number.isNaN(v)) continue;
        out[at]++;
        out[at + 1] += v;
      }
      at += 2;
    } else if (f.kind === 'categorical' && column.kind === 'categorical') {
      const index = new Map(f.levels.map((level, k) => [level, k]));
      for (const v of column.values) {
        const k = v === null ? undefined : index.get(v);
        if (k !== undefined) out[at + k]++;
      }
      at += f.levels.length;
    } else throw new Error(`feature ${j} is not of the kind the layout says`);
  });
  return out;
}

/**
 * Sums of squared deviations from the network's means, each divided by a public spread, so that
 * large-unit columns (kWh) stay inside the fixed-point range: sum(((x - center) / spread)^2).
 */
export function spreadOf(data: LocalData, layout: Layout, centers: readonly number[], spreads: readonly number[]): Float64Array {
  const numeric = layout.features.map((f, j) => [f, j] as const).filter(([f]) => f.kind === 'numeric');
  const out = new Float64Array(numeric.length);
  numeric.forEach(([, j], m) => {
    const column = data.train.frame.columns[j];
    if (column.kind !== 'numeric') throw new Error(`feature ${j} is not numeric`);
    for (const v of column.values) if (!Number.isNaN(v)) out[m] += ((v - centers[m]) / spreads[m]) ** 2;
  });
  return out;
}

function predictor(columns: Float64Array[], n: number, beta: ArrayLike<number>): Float64Array {
  const d = columns.length;
  const z = new Float64Array(n).fill(beta[d]);
  for (let j = 0; j < d; j++) {
    const b = beta[j];
    const c = columns[j];
    for (let i = 0; i < n; i++) z[i] += b * c[i];
  }
  return z;
}

/** How rows become the regression's columns: standardized one-hot (logistic regression) or WOE per feature (scorecard). */
export type DesignRule = { encoder: Encoder } | { binnings: FeatureBinning[] };

export function designOf(frame: Frame, rule: DesignRule): { columns: Float64Array[]; rows: number } {
  if ('encoder' in rule) return encode(rule.encoder, frame);
  const columns = rule.binnings.map((binning) => {
    const source = frame.columns.find((c) => c.name === binning.name);
    if (!source) throw new Error(`no column ${binning.name}`);
    const assign = binAssigner(binning);
    return Float64Array.from({ length: frame.rows }, (_, i) => binWoe(binning, assign(source.values[i])));
  });
  return { columns, rows: frame.rows };
}

/** Good and bad counts of the training rows per grid cell (numeric) or agreed level (categorical), with the missing cells. */
export function gridOf(data: LocalData, layout: Layout, grids: readonly Grid[]): Float64Array {
  const out = new Float64Array(gridLength(layout));
  const { frame, labels } = data.train;
  let at = 0;
  let numeric = 0;
  layout.features.forEach((f, j) => {
    const column = frame.columns[j];
    const cells = f.kind === 'numeric' ? GRID_CELLS : f.levels.length;
    const index = f.kind === 'categorical' ? new Map(f.levels.map((l, k) => [l, k])) : undefined;
    const grid = f.kind === 'numeric' ? grids[numeric++] : undefined;
    for (let i = 0; i < frame.rows; i++) {
      const v = column.values[i];
      let cell: number | undefined;
      if (grid) cell = Number.isNaN(v as number) ? undefined : Math.min(GRID_CELLS - 1, Math.max(0, Math.floor(((v as number) - grid.lo) / grid.width)));
      else cell = v === null ? undefined : index!.get(v as string);
      if (cell === undefined && (grid ? !Number.isNaN(v as number) : v !== null)) continue; // a level outside the standard: imported under it, so none
      const offset = cell === undefined ? 2 * cells + labels[i] : cell + (labels[i] ? cells : 0);
      out[at + offset]++;
    }
    at += 2 * cells + 2;
  });
  return out;
}

/** Good and bad counts of the training rows per bin of each numeric feature's agreed edges, with the missing cells. */
export function binCountsOf(data: LocalData, layout: Layout, edges: readonly (readonly number[])[]): Float64Array {
  const out = new Float64Array(binCountsLength(edges));
  const { frame, labels } = data.train;
  let at = 0;
  let numeric = 0;
  layout.features.forEach((f, j) => {
    if (f.kind !== 'numeric') return;
    const e = edges[numeric++];
    const bins = e.length + 1;
    const values = frame.columns[j].values as Float64Array;
    for (let i = 0; i < frame.rows; i++) {
      const offset = Number.isNaN(values[i]) ? 2 * bins + labels[i] : binOf(values[i], e) + (labels[i] ? bins : 0);
      out[at + offset]++;
    }
    at += 2 * bins + 2;
  });
  return out;
}

/** X^T W X (upper triangle, row by row), X^T (p - y) and the unpenalized log-loss at `beta` (weights, intercept last). */
export function newtonOf(data: LocalData, rule: DesignRule | Encoder, beta: ArrayLike<number>): Float64Array {
  const design = designOf(data.train.frame, 'columns' in rule ? { encoder: rule } : rule);
  const n = design.rows;
  const X = [...design.columns, new Float64Array(n).fill(1)];
  const D = X.length;
  if (beta.length !== D) throw new Error('coefficients do not fit the design');
  const z = predictor(design.columns, n, beta);
  const y = data.train.labels;
  const r = new Float64Array(n);
  const w = new Float64Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const p = sigmoid(z[i]);
    r[i] = p - y[i];
    w[i] = p * (1 - p);
    loss += (z[i] > 0 ? z[i] : 0) + Math.log1p(Math.exp(-Math.abs(z[i]))) - y[i] * z[i];
  }
  const out = new Float64Array(newtonLength(D - 1));
  let at = 0;
  const weighted = new Float64Array(n);
  for (let j = 0; j < D; j++) {
    for (let i = 0; i < n; i++) weighted[i] = w[i] * X[j][i];
    for (let k = j; k < D; k++) {
      let s = 0;
      const xk = X[k];
      for (let i = 0; i < n; i++) s += weighted[i] * xk[i];
      out[at++] = s;
    }
  }
  for (let j = 0; j < D; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += X[j][i] * r[i];
    out[at++] = s;
  }
  out[at] = loss;
  return out;
}

/** The predicted log-odds of each test row (the enclave bins them on its release grid before they leave). */
export function testLogitsOf(data: LocalData, rule: DesignRule | Encoder, beta: ArrayLike<number>): Float64Array {
  const design = designOf(data.test.frame, 'columns' in rule ? { encoder: rule } : rule);
  return predictor(design.columns, design.rows, beta);
}
