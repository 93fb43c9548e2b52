/** Pairwise correlation and variance inflation factors of one numeric representation per feature, and pruning by both. */
import { inverseSpd } from '../linalg';

/** Pearson correlation matrix (row-major p x p) of equally long columns; a constant column correlates 0 with everything. */
export function correlationMatrix(columns: readonly Float64Array[]): Float64Array {
  const p = columns.length;
  const n = p ? columns[0].length : 0;
  const centred = columns.map((c) => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += c[i];
    mean /= Math.max(n, 1);
    let ss = 0;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = c[i] - mean;
      ss += out[i] * out[i];
    }
    const sd = Math.sqrt(ss);
    if (sd > 0) for (let i = 0; i < n; i++) out[i] /= sd;
    return out;
  });
  const r = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += centred[a][i] * centred[b][i];
      r[a * p + b] = r[b * p + a] = a === b ? 1 : s;
    }
  }
  return r;
}

/**
 * VIF_j = 1 / (1 - R^2_j), R^2_j from regressing column j on the others: the diagonal of the inverse
 * correlation matrix. Exactly collinear columns make it singular; the solver's ridge then gives a
 * very large, finite VIF, which is what pruning needs.
 */
export function varianceInflation(correlation: Float64Array, p: number): number[] {
  if (p === 0) return [];
  if (p === 1) return [1];
  const inverse = inverseSpd(correlation, p);
  return Array.from({ length: p }, (_, j) => inverse[j * p + j]);
}

function submatrix(r: Float64Array, p: number, keep: readonly number[]): Float64Array {
  const q = keep.length;
  const out = new Float64Array(q * q);
  for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) out[a * q + b] = r[keep[a] * p + keep[b]];
  return out;
}

/**
 * Drops one feature of every pair with |r| above `max`: pairs are visited from the strongest correlation
 * down, and the feature with the lower `rank` (IV) goes; on equal rank the later one goes.
 */
export function pruneCorrelated(r: Float64Array, p: number, rank: readonly number[], max: number): { dropped: number; kept: number; r: number }[] {
  const pairs: { a: number; b: number; r: number }[] = [];
  for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) if (Math.abs(r[a * p + b]) > max) pairs.push({ a, b, r: Math.abs(r[a * p + b]) });
  pairs.sort((x, y) => y.r - x.r || x.a - y.a || x.b - y.b);
  const gone = new Set<number>();
  const out: { dropped: number; kept: number; r: number }[] = [];
  for (const { a, b, r: value } of pairs) {
    if (gone.has(a) || gone.has(b)) continue;
    const [dropped, kept] = rank[b] <= rank[a] ? [b, a] : [a, b];
    gone.add(dropped);
    out.push({ dropped, kept, r: value });
  }
  return out;
}

/** Drops the feature with the highest VIF while any is above `max` (ties: the later one), recomputing after each drop. */
export function pruneVif(r: Float64Array, p: number, max: number): { dropped: number; vif: number }[] {
  const keep = Array.from({ length: p }, (_, j) => j);
  const out: { dropped: number; vif: number }[] = [];
  while (keep.length > 1) {
    const vif = varianceInflation(submatrix(r, p, keep), keep.length);
    let worst = 0;
    for (let j = 1; j < vif.length; j++) if (vif[j] >= vif[worst]) worst = j;
    if (!(vif[worst] > max)) break;
    out.push({ dropped: keep[worst], vif: vif[worst] });
    keep.splice(worst, 1);
  }
  return out;
}
