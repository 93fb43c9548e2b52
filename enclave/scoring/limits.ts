/**
 * Extraction limits on per-enterprise outputs: a request rate per principal (a token bucket) and a
 * daily quota of distinct enterprises, where the same enterprise scored again the same day counts
 * once. Enterprises are stored as keyed hashes, never as codes.
 */
import { JointlabError } from '../../lab/errors';
import { Pseudonymizer } from '../audit/pseudonym';
import { Db } from '../store/db';

export interface ScoringLimits {
  /** Scoring requests a principal may make per minute. */
  requestsPerMinute: number;
  /** Distinct enterprises a principal may have scored per UTC day. */
  enterprisesPerDay: number;
  /** Ids one request may name. */
  idsPerRequest: number;
  /** Decimal places released scores are rounded to. */
  digits: number;
}

export const DEFAULT_SCORING_LIMITS: ScoringLimits = { requestsPerMinute: 120, enterprisesPerDay: 50_000, idsPerRequest: 10_000, digits: 4 };

export class ScoreLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly limits: ScoringLimits,
    /** Keyed hashes of enterprise ids, shared with the model budget. */
    readonly pseudonym: Pseudonymizer,
  ) {}

  get digits(): number {
    return this.limits.digits;
  }

  /** Takes one request from the principal's bucket, or refuses with 429. */
  takeRequest(principal: string, now = Date.now()): void {
    const rate = this.limits.requestsPerMinute / 60_000;
    const bucket = this.buckets.get(principal) ?? { tokens: this.limits.requestsPerMinute, at: now };
    bucket.tokens = Math.min(this.limits.requestsPerMinute, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(principal, bucket);
      throw new JointlabError('rate_limited', `at most ${this.limits.requestsPerMinute} scoring requests a minute; try again in ${Math.ceil((1 - bucket.tokens) / rate / 1000)} s`, 'rate');
    }
    bucket.tokens -= 1;
    this.buckets.set(principal, bucket);
  }

  assertIdCount(count: number): void {
    if (count < 1 || count > this.limits.idsPerRequest) throw new JointlabError('schema_violation', `name 1 to ${this.limits.idsPerRequest} enterprises per request`, 'usage');
  }

  /**
   * Enterprises known to be recorded in score_usage, by principal and day: a session's requests name
   * the same enterprises again and again, and one already recorded would be ignored by the insert
   * below anyway (the quota counts distinct enterprises), so it is not sent again. Rows are only ever
   * added (this class is their only writer, nothing deletes them), and only committed ones are kept
   * here, so the count and the decision are the ones the store alone gives. Other days are dropped.
   */
  private readonly recorded = new Map<string, Set<string>>();

  /** Counts the enterprises about to be scored against today's quota; refuses the whole request if it would pass it. */
  async chargeEnterprises(principal: string, ids: string[], today = new Date().toISOString().slice(0, 10)): Promise<void> {
    const key = `${principal}\u0000${today}`;
    let known = this.recorded.get(key);
    if (!known) {
      for (const k of this.recorded.keys()) if (k.startsWith(`${principal}\u0000`)) this.recorded.delete(k);
      this.recorded.set(key, (known = new Set()));
    }
    const ask = [...new Set(ids.map(this.pseudonym))].filter((h) => !known!.has(h));
    await this.db.transaction(async (q) => {
      // Recorded first and counted after, in one transaction: a request that would pass the quota is rolled back whole.
      const fresh = ask.length ? (await q.run('INSERT OR IGNORE INTO score_usage (principal, day, enterprise) SELECT ?, ?, value FROM json_each(?)', [principal, today, JSON.stringify(ask)])).changes : 0;
      // The day's count, kept by a trigger on score_usage (enclave/store/schema.ts): one row read, not the day's rows counted.
      const total = (await q.get<{ n: number }>('SELECT enterprises AS n FROM score_usage_days WHERE principal = ? AND day = ?', [principal, today]))?.n ?? 0;
      if (total > this.limits.enterprisesPerDay) {
        throw new JointlabError('quota_exceeded', `the daily quota of ${this.limits.enterprisesPerDay} distinct enterprises would be passed (${total - fresh} used today)`, 'rate');
      }
    });
    for (const h of ask) known.add(h);
  }
}
