/**
 * Enc(X^T y) of each encrypted-label training session: kept in memory for the rounds (in shared
 * memory, so handing it to a SEAL worker copies nothing), written once to a table of its own when the
 * session has been idle for a second (with the public key, when it came with the labels), read back
 * from the table on first use after a restart, deleted on close.
 */
import { randomUUID } from 'node:crypto';
import { Db, Queries } from '../store/db';
import { onSessionClosed } from './session-store';
import { inSharedMemory } from './seal-pool';

/** A session's totals as kept in memory, with the key SEAL workers keep them loaded under (new on each load into memory). */
export interface StoredTotals {
  key: string;
  ciphertexts: Uint8Array[];
  /** The public key that came with the labels, written with the totals (the session's row holds it after that). */
  publicKey?: Uint8Array;
}

const totals = new Map<string, StoredTotals>();
onSessionClosed((id) => totals.delete(id));

/**
 * Idle time after which a session's totals are written. Writing their 8 MB took 0.18 to 0.29 s, and
 * the first round waited for it (SQLite writes one statement at a time), while a session's rounds
 * follow one another within a tenth of a second and the session closes after them, deleting the
 * totals: a session that runs through is never written, one that stops (a bank's client gone, the
 * session left open) is written a second later and survives a restart. A restart within that
 * second loses the totals; the bank sends its labels again, with the keys (training-session.ts).
 */
export const PERSIST_IDLE_MS = 1000;

interface Pending {
  db: Db;
  timer: NodeJS.Timeout;
  bytes: Uint8Array;
  publicKey?: Uint8Array;
}
const pending = new Map<string, Pending>();
const writing = new Set<Promise<unknown>>();
onSessionClosed((id) => {
  clearTimeout(pending.get(id)?.timer);
  pending.delete(id);
});

function persistWhenIdle(db: Db, session: string, bytes: Uint8Array, publicKey?: Uint8Array): void {
  clearTimeout(pending.get(session)?.timer);
  const timer = setTimeout(() => void persist(session), PERSIST_IDLE_MS);
  timer.unref();
  pending.set(session, { db, timer, bytes, ...(publicKey ? { publicKey } : {}) });
}

function persist(session: string): Promise<void> {
  const entry = pending.get(session);
  if (!entry) return Promise.resolve();
  clearTimeout(entry.timer);
  pending.delete(session);
  // Only for a session still open: one closed meanwhile has deleted its totals and its key already.
  const done = entry.db
    .transaction(async (q) => {
      const bytes = Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength);
      await q.run('INSERT INTO he_training_totals (session, xty) SELECT ?, ? WHERE EXISTS (SELECT 1 FROM he_sessions WHERE id = ? AND closed_at IS NULL) ON CONFLICT DO NOTHING', [session, bytes, session]);
      if (entry.publicKey) await q.run('UPDATE he_sessions SET public_key = ? WHERE id = ? AND length(public_key) = 0', [Buffer.from(entry.publicKey), session]);
    })
    .then(
      () => undefined,
      // Written for a restart's sake only: the rounds go on from memory, and the session's end deletes it anyway.
      () => undefined,
    );
  writing.add(done);
  void done.finally(() => writing.delete(done));
  return done;
}

/** Writes every pending session's totals on `db` now and waits for the writes: the enclave closes its database only after them. */
export async function settleTotals(db: Db): Promise<void> {
  await Promise.all([...pending].filter(([, p]) => p.db === db).map(([session]) => persist(session)));
  await Promise.all([...writing]);
}

/** The ciphertexts in one stored value, each prefixed by its length, written straight into one block of shared memory (one copy of 8 MB where there were three). */
function joinShared(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(parts.reduce((n, p) => n + 4 + p.length, 0)));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** The stored value split again, into one block of shared memory. */
function split(stored: Uint8Array): Uint8Array[] {
  const shared = inSharedMemory(stored);
  const view = new DataView(shared.buffer);
  const out: Uint8Array[] = [];
  for (let at = 0; at + 4 <= shared.length; ) {
    const n = view.getUint32(at);
    out.push(shared.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/**
 * Keeps a session's Enc(X^T y), and the public key when it came with the labels, written once the
 * session is idle; never rewritten (a second labels request is refused before this).
 */
export function storeTotals(db: Db, session: string, xty: Uint8Array[], publicKey?: Uint8Array): StoredTotals {
  const shared = joinShared(xty);
  const kept: StoredTotals = { key: randomUUID(), ciphertexts: split(shared), ...(publicKey ? { publicKey } : {}) };
  totals.set(session, kept);
  persistWhenIdle(db, session, shared, publicKey);
  return kept;
}

/** The session's Enc(X^T y), or undefined before its labels arrived; asking for it (a round) puts off its write. */
export async function sessionTotals(db: Db, session: string): Promise<StoredTotals | undefined> {
  const known = totals.get(session);
  const waiting = pending.get(session);
  if (waiting) persistWhenIdle(waiting.db, session, waiting.bytes, waiting.publicKey);
  if (known) return known;
  const row = await db.get<{ xty: Buffer }>('SELECT xty FROM he_training_totals WHERE session = ?', [session]);
  if (!row) return undefined;
  // Two first reads at once both read the row; the first to finish is kept.
  if (!totals.has(session)) totals.set(session, { key: randomUUID(), ciphertexts: split(row.xty) });
  return totals.get(session);
}

/** Deletes a closing session's stored totals (its memory copy goes with the session's other state, on forgetSession). */
export async function deleteTotals(q: Queries, session: string): Promise<void> {
  await q.run('DELETE FROM he_training_totals WHERE session = ?', [session]);
}
