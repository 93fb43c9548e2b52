/**
 * The enclave's side of ECDH-PSI, one session at a time: the bank's blinded points come back
 * blinded again under a fresh per-session scalar, the dataset's own ids go out hashed, shuffled
 * and blinded, and the bank's re-blinded copy of them tells the enclave which of its enterprises
 * the bank holds (the intersection, which the bank's upload must then match exactly). Nothing of a
 * bank id outside the intersection is ever stored, logged or audited: only counts.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../lab/api/principals';
import type { PsiFinish, PsiSessionView } from '../../lab/api/psi';
import { JointlabError } from '../../lab/errors';
import { BlindPool } from '../../lab/psi/blind-pool';
import { PointSet } from '../../lab/psi/match';
import { assertPoints } from '../../lab/psi/points';
import { SmallOrderPoint } from '../../lab/psi/x25519';
import { appendAudit } from '../audit/log';
import { datasetVersion, getDatasetMeta } from '../data/datasets';
import { isPad } from '../release/psi-padding';
import { PsiLimits, assertPsiBudget } from '../release/psi-budget';
import { Db, Queries } from '../store/db';
import { ChunkLedger, LiveSession } from './live-session';
import { makePlatformSide } from './platform-side';
import { PreparedSets } from './prepared-sets';
import { PsiRow, getPsiRow, insertPsiRow, psiUsageToday, updatePsiRow } from './psi-store';

/** What the upload route needs of a matched session: the check of the uploaded ids and the binding of the upload to it. */
export interface PsiUploadGuard {
  assertIds(ids: readonly string[]): void;
  record(q: Queries, upload: string): Promise<void>;
  detail: Record<string, unknown>;
  done(): void;
  /** The upload ended without being stored: the session may bind another (done() already ended it if stored). */
  release(): void;
}

const notFound = () => new JointlabError('not_found', 'no such PSI session', 'not_found');

export class PsiService {
  private readonly live = new Map<string, LiveSession>();
  /** Matched sessions with an upload being stored: a second upload on the same session waits its turn, refused. */
  private readonly binding = new Set<string>();
  /** Opening checks the budget, then records the session: one at a time, so two opens cannot both pass. */
  private opening: Promise<unknown> = Promise.resolve();
  private readonly sweeper: NodeJS.Timeout;
  private readonly prepared: PreparedSets;

  constructor(
    private readonly db: Db,
    readonly limits: PsiLimits,
    private readonly pool: BlindPool = new BlindPool(),
  ) {
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), 60_000);
    this.sweeper.unref();
    this.prepared = new PreparedSets(db, pool, limits.prepareAheadIds, limits.pointsPerRequest);
  }

  /** Blinds every dataset's set ahead of its next session, in the background (at start). */
  prepareAll(): void {
    void this.prepared.prepareAll().catch(() => undefined);
  }

  /** A dataset was imported (or had a new snapshot): its next session's set is blinded ahead; resolves when it is ready. */
  datasetChanged(dataset: string): Promise<void> {
    return this.prepared.prepare(dataset);
  }

  open(actor: Principal, input: { dataset: string; points: number }): Promise<PsiSessionView> {
    const next = this.opening.then(() => this.openNow(actor, input));
    this.opening = next.catch(() => undefined);
    return next;
  }

  private async openNow(actor: Principal, input: { dataset: string; points: number }): Promise<PsiSessionView> {
    await this.sweep();
    const meta = await getDatasetMeta(this.db, input.dataset);
    if (!meta) throw new JointlabError('not_found', 'no such dataset', 'not_found');
    const today = await psiUsageToday(this.db, actor.org, input.dataset);
    const open = [...this.live.values()].filter((s) => s.org === actor.org).length;
    assertPsiBudget(input.points, { ...today, open }, this.limits);
    const version = await datasetVersion(this.db, meta);
    const side = (await this.prepared.take(input.dataset, version)) ?? (await makePlatformSide(this.db, meta, version));
    const id = `psi_${randomUUID()}`;
    const createdAt = new Date().toISOString();
    const chunk = this.limits.pointsPerRequest;
    const platformReturned = new ChunkLedger(side.platformIds.length, chunk);
    const session: LiveSession = {
      id,
      org: actor.org,
      owner: actor.id,
      dataset: input.dataset,
      nonce: side.nonce,
      domain: side.domain,
      points: input.points,
      platformCount: side.platformCount,
      createdAt,
      touchedAt: Date.now(),
      scalar: side.scalar,
      platformIds: side.platformIds,
      platformBlinded: side.blinded,
      platformGroup: side.group,
      bankChunks: new ChunkLedger(input.points, chunk),
      platformReturned,
      platformServed: new Uint8Array(platformReturned.ranges.length),
      // Sized for the declared points up to one request's worth; it grows as chunks come (a declared size alone reserves little).
      bankKeys: new PointSet(Math.min(input.points, chunk)),
      matched: new Set(),
      state: 'open',
    };
    await this.db.transaction(async (q) => {
      await insertPsiRow(q, { id, actor, dataset: input.dataset, nonce: side.nonce, points: input.points, platform: side.platformIds.length, createdAt });
      await appendAudit(q, { actor: actor.id, action: 'psi.open', object: `psi:${id}`, detail: { dataset: input.dataset, points: input.points, platform: side.platformCount } });
    });
    this.live.set(id, session);
    return this.view(id, actor);
  }

  async view(id: string, actor: Principal): Promise<PsiSessionView> {
    const row = await this.ownRow(id, actor);
    const today = await psiUsageToday(this.db, row.org, row.dataset);
    const s = this.live.get(id);
    const chunk = this.limits.pointsPerRequest;
    return {
      id,
      dataset: row.dataset,
      nonce: row.nonce,
      state: row.state,
      points: row.points,
      received: s ? s.bankChunks.points : row.received,
      platformPoints: row.platform,
      platformChunks: Math.ceil(row.platform / chunk),
      chunkPoints: chunk,
      intersection: row.intersection,
      upload: row.upload,
      expiresAt: new Date((s?.touchedAt ?? Date.parse(row.closed_at ?? row.created_at)) + this.limits.idleMinutes * 60_000).toISOString(),
      budget: {
        pointsPerDay: this.limits.pointsPerDay,
        pointsToday: today.points,
        sessionsPerDay: this.limits.sessionsPerDay,
        sessionsToday: today.sessions,
        pointsPer30Days: this.limits.pointsPer30Days,
        points30Days: today.pointsWindow,
        windowFreesAt: today.windowFreesAt,
      },
    };
  }

  /** The bank's chunk `index` of H(y)^b, answered as (H(y)^b)^e in the same order. */
  async blindBankChunk(id: string, actor: Principal, index: number, body: unknown): Promise<Buffer> {
    const s = this.running(id, actor);
    const count = assertPoints(body, this.limits.pointsPerRequest);
    const range = s.bankChunks.range(index, 'bank');
    if (count !== range.to - range.from) throw new JointlabError('bad_points', `bank chunk ${index} holds ${range.to - range.from} points, not ${count}`, 'usage');
    s.bankChunks.claim(index, 'bank');
    let ok = false;
    try {
      const out = await this.pool.blind(body as Buffer, s.scalar!).catch(refusePoints);
      s.bankKeys?.addAll(out);
      ok = true;
      return out;
    } finally {
      s.bankChunks.settle(index, ok);
    }
  }

  /** The enclave's chunk `index` of H(x)^e over its shuffled dataset. */
  async platformChunk(id: string, actor: Principal, index: number): Promise<Buffer> {
    const s = this.running(id, actor);
    const range = s.platformReturned.range(index, 'platform');
    if (s.platformServed[index] >= 3) throw new JointlabError('psi_chunk_served', `platform chunk ${index} was served three times already`, 'conflict');
    s.platformServed[index]++;
    if (s.platformBlinded) return s.platformBlinded[index];
    return this.pool.hashAndBlind(s.domain, s.platformIds.slice(range.from, range.to), s.scalar!);
  }

  /** The bank's (H(x)^e)^b for the platform's chunk `index`: its matches with the bank's points join the intersection. */
  async returnPlatformChunk(id: string, actor: Principal, index: number, body: unknown): Promise<void> {
    const s = this.running(id, actor);
    const count = assertPoints(body, this.limits.pointsPerRequest);
    const range = s.platformReturned.range(index, 'platform');
    if (count !== range.to - range.from) throw new JointlabError('bad_points', `platform chunk ${index} holds ${range.to - range.from} points, not ${count}`, 'usage');
    if (!s.bankChunks.complete) throw new JointlabError('psi_out_of_order', 'send every chunk of your own points before the platform set comes back', 'conflict');
    s.platformReturned.claim(index, 'platform');
    for (const at of s.bankKeys!.positionsIn(body as Buffer)) {
      const match = s.platformIds[range.from + at];
      if (!isPad(match)) s.matched.add(match);
    }
    s.platformReturned.settle(index, true);
  }

  /** Closes the exchange: the intersection's size is recorded and answered; the scalar and the bank's points are dropped. */
  async finish(id: string, actor: Principal): Promise<PsiFinish> {
    const s = this.running(id, actor);
    if (!s.bankChunks.complete || !s.platformReturned.complete) {
      throw new JointlabError('psi_incomplete', 'the exchange is not complete: every bank chunk and every platform chunk must be sent first', 'conflict');
    }
    s.state = 'matched';
    s.scalar = undefined;
    s.bankKeys = undefined;
    s.platformBlinded = undefined;
    // The platform's order is no longer needed either; the matched ids are all that stay, until the upload.
    s.platformIds = [];
    const intersection = s.matched.size;
    await this.db.transaction(async (q) => {
      await updatePsiRow(q, id, { state: 'matched', received: s.points, intersection });
      await appendAudit(q, { actor: actor.id, action: 'psi.matched', object: `psi:${id}`, detail: { dataset: s.dataset, points: s.points, platform: s.platformCount, intersection } });
    });
    void this.prepared.prepare(s.dataset);
    return { intersection };
  }

  async close(id: string, actor: Principal): Promise<void> {
    const row = await this.ownRow(id, actor);
    const s = this.live.get(id);
    if (!s) return;
    this.live.delete(id);
    await this.db.transaction(async (q) => {
      await updatePsiRow(q, id, { state: 'closed', received: s.bankChunks.points, closed: true });
      await appendAudit(q, { actor: actor.id, action: 'psi.close', object: `psi:${id}`, detail: { dataset: row.dataset, points: row.points, received: s.bankChunks.points } });
    });
    if (s.state === 'open') this.ended(s);
  }

  /**
   * A session closed or expired before matching: what is left of the set it took from those made
   * ahead is dropped (its pieces waited at session priority, ahead of other banks' sessions), and the
   * dataset's next set is made.
   */
  private ended(s: LiveSession): void {
    if (s.platformGroup) this.pool.cancel(s.platformGroup);
    s.platformBlinded = undefined;
    void this.prepared.prepare(s.dataset);
  }

  /** The check an upload bound to a matched session passes: its ids are exactly the intersection the enclave found. */
  uploadGuard(id: string, actor: Principal): PsiUploadGuard {
    const s = this.live.get(id);
    if (!s || s.owner !== actor.id) throw notFound();
    if (s.state !== 'matched') throw new JointlabError('psi_not_matched', 'the PSI session has not finished matching', 'conflict');
    // One session binds one upload: two sent at once would both pass the id check before either is recorded.
    if (this.binding.has(id)) throw new JointlabError('psi_session_busy', 'an upload bound to this PSI session is being stored; a session binds one upload', 'conflict');
    this.binding.add(id);
    s.touchedAt = Date.now();
    return {
      assertIds: (ids) => {
        // Messages give counts and row numbers, never an id.
        ids.forEach((id, row) => {
          if (!s.matched.has(id)) throw new JointlabError('psi_mismatch', `row ${row + 1} of the upload is not in the PSI intersection`);
        });
        if (ids.length !== s.matched.size) throw new JointlabError('psi_mismatch', `the upload has ${ids.length} rows; the PSI intersection has ${s.matched.size}`);
      },
      record: async (q, upload) => {
        await updatePsiRow(q, id, { state: 'used', upload, closed: true });
        await appendAudit(q, { actor: actor.id, action: 'psi.used', object: `psi:${id}`, detail: { upload, rows: s.matched.size } });
      },
      detail: { psiSession: id },
      done: () => {
        this.live.delete(id);
        this.binding.delete(id);
      },
      release: () => {
        this.binding.delete(id);
      },
    };
  }

  private running(id: string, actor: Principal): LiveSession {
    const s = this.live.get(id);
    if (!s || s.owner !== actor.id) throw notFound();
    if (s.state !== 'open') throw new JointlabError('psi_not_open', 'the PSI session has finished matching', 'conflict');
    s.touchedAt = Date.now();
    return s;
  }

  private async ownRow(id: string, actor: Principal): Promise<PsiRow> {
    const row = await getPsiRow(this.db, id);
    // Another principal's session does not exist, so its existence does not leak.
    if (!row || row.owner !== actor.id) throw notFound();
    return row;
  }

  /** Closes sessions idle past the limit: their secrets and points go, the row and the audit say expired. */
  async sweep(): Promise<void> {
    const cutoff = Date.now() - this.limits.idleMinutes * 60_000;
    for (const s of [...this.live.values()]) {
      if (s.touchedAt >= cutoff) continue;
      this.live.delete(s.id);
      await this.db.transaction(async (q) => {
        await updatePsiRow(q, s.id, { state: 'expired', received: s.bankChunks.points, closed: true });
        await appendAudit(q, { actor: 'enclave', action: 'psi.expire', object: `psi:${s.id}`, detail: { dataset: s.dataset, points: s.points } });
      });
      if (s.state === 'open') this.ended(s);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    this.prepared.stop();
    this.live.clear();
    await this.pool.close();
  }
}

/** A small-order point is the bank's bad input: 400 `bad_points`, naming its position only. */
function refusePoints(e: unknown): never {
  if (e instanceof SmallOrderPoint) throw new JointlabError('bad_points', `${e.message}: refused (small-order points blind every id alike)`, 'usage');
  throw e;
}
