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
   * Basis columns (one per term) over `ids`, each present in the dataset's snapshot `meta`. `load`
   * gives the platform table of the ids not kept yet, its cells after the score noise. A new snapshot
   * of the dataset or a new noise setting changes the cells, so the kept rows are dropped.
   */
  async columns(meta: DatasetMeta, policy: ScoringPolicy, ids: string[], load: (ids: string[]) => Promise<PlatformTable>): Promise<Float64Array[]> {
    const key = [snapshotKey(meta), policy.noiseSwap, policy.noiseSd].join('\u0000');
    if (key !== this.key || this.rows.size > MAX_ROWS) {
      this.key = key;
      this.rows = new Map();
    }
    const fresh = [...new Set(ids.filter((id) => !this.rows.has(id)))];
    if (fresh.length) {
      const { basis } = scoreBasis(await load(fresh), this.stats, this.terms, fresh);
      fresh.forEach((id, i) => this.rows.set(id, Float64Array.from(basis, (column) => column[i])));
    }
    const out = this.terms.map(() => new Float64Array(ids.length));
    ids.forEach((id, i) => {
      const row = this.rows.get(id)!;
      for (let t = 0; t < row.length; t++) out[t][i] = row[t];
    });
    return out;
  }
}
