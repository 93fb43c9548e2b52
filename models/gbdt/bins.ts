/**
 * Histogram bins for boosted trees: each numeric column cut at quantiles into at most 255 ordered
 * bins, each categorical column's levels put in the order of their default rate (so a tree splits a
 * category set with one threshold, as for numbers), and bin 0 kept for missing values everywhere.
 */
import { Column, Frame } from '../frame';

/**
 * Bin 0 holds missing values; bins 1..count hold values in order. A categorical column has one more
 * bin after its levels for every other level (rare at fit time or unseen), which splits always send right.
 */
export const MISSING_BIN = 0;
export const MAX_BINS = 255;

export type ColumnBins =
  /** Values up to and including `uppers[b - 1]` (and above the previous upper) fall in bin b; the last bin is open. */
  | { name: string; kind: 'numeric'; uppers: number[] }
  /** `levels[b - 1]` is the level in bin b, levels sorted by default rate. */
  | { name: string; kind: 'categorical'; levels: string[] };

export const binCount = (bins: ColumnBins): number => 1 + (bins.kind === 'numeric' ? bins.uppers.length + 1 : bins.levels.length + 1);

/** The last bin a split's left side may end at: any numeric bin; for categories, the last named level. */
export const lastThreshold = (bins: ColumnBins): number => (bins.kind === 'numeric' ? bins.uppers.length + 1 : bins.levels.length);

/**
 * Cut points of a numeric column: midpoints between distinct values when there are few of them,
 * otherwise quantiles of the distinct-value distribution (ties collapse so bins never repeat).
 */
function numericBins(name: string, values: Float64Array, rows: ArrayLike<number>, maxBins: number): ColumnBins {
  return { name, kind: 'numeric', uppers: roundedUppers(exactUppers(values, rows, maxBins)) };
}

/**
 * Cut points to three significant digits, as scorecard bin edges are: a raw midpoint sits next to one
 * enterprise's value, and a released tree must not carry it.
 */
function roundedUppers(uppers: number[]): number[] {
  const out: number[] = [];
  for (const u of uppers) {
    const r = Number(u.toPrecision(3));
    if (!out.length || r > out[out.length - 1]) out.push(r);
  }
  return out;
}

function exactUppers(values: Float64Array, rows: ArrayLike<number>, maxBins: number): number[] {
  const seen: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]];
    if (!Number.isNaN(v)) seen.push(v);
  }
  const sorted = Float64Array.from(seen).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) counts[counts.length - 1]++;
    else {
      distinct.push(sorted[i]);
      counts.push(1);
    }
  }
  const uppers: number[] = [];
  if (distinct.length <= maxBins) {
    for (let j = 0; j + 1 < distinct.length; j++) uppers.push((distinct[j] + distinct[j + 1]) / 2);
    return uppers;
  }
  // Walk the distinct values, closing a bin once it holds its share of the rows.
  const perBin = sorted.length / maxBins;
  let filled = 0;
  let target = perBin;
  for (let j = 0; j + 1 < distinct.length && uppers.length < maxBins - 1; j++) {
    filled += counts[j];
    if (filled >= target) {
      uppers.push((distinct[j] + distinct[j + 1]) / 2);
      while (target <= filled) target += perBin;
    }
  }
  return uppers;
}

/**
 * Levels ordered by their default rate among the fit rows, ties broken by name so the order is stable;
 * levels on fewer than `minLevelCount` rows join the other levels' bin (the enclave sets it to k).
 */
function categoricalBins(name: string, values: (string | null)[], labels: Uint8Array, rows: ArrayLike<number>, minLevelCount: number): ColumnBins {
  const tally = new Map<string, { rows: number; defaults: number }>();
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]];
    if (v === null) continue;
    const t = tally.get(v) ?? { rows: 0, defaults: 0 };
    t.rows++;
    t.defaults += labels[rows[i]];
    tally.set(v, t);
  }
  // A smoothed rate keeps a rare level from jumping to an end of the order on one or two rows.
  const prior = 1;
  const rate = (t: { rows: number; defaults: number }) => (t.defaults + prior * 0.5) / (t.rows + prior);
  const levels = [...tally.entries()]
    .filter(([, t]) => t.rows >= minLevelCount)
    .sort((a, b) => rate(a[1]) - rate(b[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, MAX_BINS)
    .map(([level]) => level);
  return { name, kind: 'categorical', levels };
}

export function fitBins(frame: Frame, labels: Uint8Array, rows: ArrayLike<number>, options: { maxBins: number; minLevelCount: number }): ColumnBins[] {
  const maxBins = Math.min(options.maxBins, MAX_BINS);
  return frame.columns.map((c) => (c.kind === 'numeric' ? numericBins(c.name, c.values, rows, maxBins) : categoricalBins(c.name, c.values, labels, rows, options.minLevelCount)));
}

/** The bin of one value. */
export function binOf(bins: ColumnBins, value: number | string | null): number {
  if (bins.kind === 'categorical') {
    if (value === null) return MISSING_BIN;
    const at = bins.levels.indexOf(String(value));
    return at < 0 ? bins.levels.length + 1 : at + 1;
  }
  const v = value as number;
  if (value === null || Number.isNaN(v)) return MISSING_BIN;
  // Binary search for the first upper at or above v.
  let lo = 0;
  let hi = bins.uppers.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bins.uppers[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

/** Every row's bins, row-major (row i's features at i * columns + j), the layout histogram building reads. */
export function binFrame(columns: readonly Column[], bins: readonly ColumnBins[], rows: number): Uint8Array {
  const width = bins.length;
  const out = new Uint8Array(rows * width);
  bins.forEach((b, j) => {
    const column = columns[j];
    if (b.kind === 'categorical') {
      const index = new Map(b.levels.map((level, at) => [level, at + 1]));
      const values = column.values as (string | null)[];
      const other = b.levels.length + 1;
      for (let i = 0; i < rows; i++) out[i * width + j] = values[i] === null ? MISSING_BIN : index.get(values[i] as string) ?? other;
    } else {
      const values = column.values as Float64Array;
      for (let i = 0; i < rows; i++) out[i * width + j] = binOf(b, values[i]);
    }
  });
  return out;
}
