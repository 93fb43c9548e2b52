/**
 * Enc(X^T y) of each encrypted-label training session: written once to a table of its own when the
 * labels arrive, kept in memory for the rounds (in shared memory, so handing it to a SEAL worker
 * copies nothing), read back from the table on first use after a restart, deleted on close.
 */
import { randomUUID } from 'node:crypto';
import { Db, Queries } from '../store/db';
import { joinU32, onSessionClosed } from './session-store';
import { inSharedMemory } from './seal-pool';

/** A session's totals as kept in memory, with the key SEAL workers keep them loaded under (new on each load into memory). */
export interface StoredTotals {
  key: string;
  ciphertexts: Uint8Array[];
}

const totals = new Map<string, StoredTotals>();
onSessionClosed((id) => totals.delete(id));

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

/** Stores a session's Enc(X^T y); it is never rewritten (a second labels request is refused before this). */
export async function storeTotals(db: Db, session: string, xty: Uint8Array[]): Promise<void> {
  const stored = joinU32(xty);
  await db.run('INSERT INTO he_training_totals (session, xty) VALUES (?, ?)', [session, stored]);
  totals.set(session, { key: randomUUID(), ciphertexts: split(stored) });
}

/** The session's Enc(X^T y), or undefined before its labels arrived. */
export async function sessionTotals(db: Db, session: string): Promise<StoredTotals | undefined> {
  const known = totals.get(session);
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
