/**
 * The standardization every province applies, agreed from securely summed moments: numeric columns
 * centred on the network mean and scaled by the network standard deviation (missing indicator when the
 * network has gaps), categorical columns one-hot over the agreed levels seen on at least k rows.
 * The same encoder applied to the pooled rows gives the pooled fit the network fit must equal.
 */
import { Encoder, EncodedColumn } from '../../models/encoding';
import { Layout, MOMENT_HEADER, numericFeatures } from './layout';

export interface NetworkMoments {
  rows: { train: number; test: number };
  positives: { train: number; test: number };
  /** Per numeric feature: rows with a value, and the network mean. */
  numeric: { name: string; count: number; mean: number }[];
  /** Per categorical feature: train rows per agreed level. */
  levels: { name: string; counts: number[] }[];
}

/** Sums are read back through fixed point: counts are whole numbers, so they are rounded. */
export function readMoments(sum: Float64Array, layout: Layout): NetworkMoments {
  const numeric: NetworkMoments['numeric'] = [];
  const levels: NetworkMoments['levels'] = [];
  let at = MOMENT_HEADER;
  for (const f of layout.features) {
    if (f.kind === 'numeric') {
      const count = Math.round(sum[at]);
      numeric.push({ name: f.name, count, mean: count ? sum[at + 1] / count : 0 });
      at += 2;
    } else {
      levels.push({ name: f.name, counts: Array.from(sum.subarray(at, at + f.levels.length), Math.round) });
      at += f.levels.length;
    }
  }
  return { rows: { train: Math.round(sum[0]), test: Math.round(sum[2]) }, positives: { train: Math.round(sum[1]), test: Math.round(sum[3]) }, numeric, levels };
}

/** The public divisor of the spread phase: the magnitude of the mean, at least 1. */
export function spreadDivisors(moments: NetworkMoments): number[] {
  return moments.numeric.map((c) => Math.max(1, Math.abs(c.mean)));
}

export function networkEncoder(layout: Layout, moments: NetworkMoments, spreadSums: Float64Array, minLevelCount: number): Encoder {
  const divisors = spreadDivisors(moments);
  const names = numericFeatures(layout);
  const columns = layout.features.map((f): EncodedColumn => {
    if (f.kind === 'numeric') {
      const m = names.indexOf(f.name);
      const { count, mean } = moments.numeric[m];
      const sd = count ? divisors[m] * Math.sqrt(Math.max(0, spreadSums[m]) / count) : 0;
      return { kind: 'numeric', name: f.name, mean, scale: sd > 0 ? sd : 1, missingIndicator: count < moments.rows.train };
    }
    const counts = moments.levels.find((l) => l.name === f.name)!.counts;
    return { kind: 'categorical', name: f.name, levels: f.levels.filter((_, k) => counts[k] >= minLevelCount) };
  });
  return { features: layout.features.map((f) => ({ name: f.name, kind: f.kind })), columns };
}
