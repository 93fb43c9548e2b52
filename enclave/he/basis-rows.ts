/**
 * The basis rows a private-scoring session has computed, by enterprise: a steady stream of requests
 * for the same enterprises reads the perturbed cells, types them and evaluates the terms once per
 * enterprise rather than once per request. Only the computation is kept: consent, quota and model
 * budget still decide every request before any row is looked up here.
 */
import { snapshotKey } from '../data/datasets';
import { PlatformTable, BasisTerm, scoreBasis } from './design';
import type { ScoreStats } from '../../lab/api/he-sessions';
import type { ScoringPolicy } from '../../lab/api/scoring';
import type { DatasetMeta } from '../../lab/api/datasets';

/** Enterprises kept per session model (about 300 bytes each at 30 terms); past it the rows are dropped and computed again, with the same result. */
const MAX_ROWS = 200_000;

export class BasisRows {
  private key = '';
  private rows = new Map<string, Float64Array>();

  constructor(
    private readonly terms: BasisTerm[],
    private readonly stats: ScoreStats,
  ) {}

  /**
   * Basis columns (one per term) over `ids`, each present in the dataset's snapshot `meta`, cut in
   * batches of at most `batch` enterprises (a batch's columns are views of one buffer). `load` gives
   * the platform table of the ids not kept yet, its cells after the score noise. A new snapshot of the
   * dataset or a new noise setting changes the cells, so the kept rows are dropped.
   */
  async batches(meta: DatasetMeta, policy: ScoringPolicy, ids: string[], batch: number, load: (ids: string[]) => Promise<PlatformTable>): Promise<Float64Array[][]> {
    const key = [snapshotKey(meta), policy.noiseSwap, policy.noiseSd].join('\u0000');
    if (key !== this.key || this.rows.size > MAX_ROWS) {
      this.key = key;
      this.rows = new Map();
    }
    // This request's setting's map: a request under a newer setting may replace `this.rows` while this one reads the platform.
    const rows = this.rows;
    const fresh = [...new Set(ids.filter((id) => !rows.has(id)))];
    if (fresh.length) {
      const { basis } = scoreBasis(await load(fresh), this.stats, this.terms, fresh);
      fresh.forEach((id, i) => rows.set(id, Float64Array.from(basis, (column) => column[i])));
    }
    const terms = this.terms.length;
    const out: Float64Array[][] = [];
    for (let start = 0; start < ids.length; start += batch) {
      const length = Math.min(batch, ids.length - start);
      const flat = new Float64Array(terms * length);
      for (let i = 0; i < length; i++) {
        const row = rows.get(ids[start + i])!;
        for (let t = 0, at = i; t < terms; t++, at += length) flat[at] = row[t];
      }
      out.push(Array.from({ length: terms }, (_, t) => flat.subarray(t * length, (t + 1) * length)));
    }
    return out;
  }
}
