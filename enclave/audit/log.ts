/**
 * The append-only audit log: each entry hashes the previous entry's hash with its own fields, so any
 * change to a past entry breaks every hash after it. Entries name who, what, when and which object;
 * never a value from the data.
 */
import { createHash } from 'node:crypto';
import { Queries } from '../store/db';
import type { AuditEntry, AuditVerdict } from '../../lab/api/audit';

export interface AuditInput {
  actor: string;
  action: string;
  object: string;
  detail?: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);

export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  // A JSON array fixes field order and escaping, so the hash input is unambiguous.
  return createHash('sha256').update(JSON.stringify([e.seq, e.at, e.actor, e.action, e.object, e.detail, e.prev_hash])).digest('hex');
}

/** Appends one entry; call it inside the transaction that makes the change it records. */
export async function appendAudit(q: Queries, input: AuditInput): Promise<AuditEntry> {
  const last = await q.get<{ seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  const entry = {
    seq: (last?.seq ?? 0) + 1,
    at: new Date().toISOString(),
    actor: input.actor,
    action: input.action,
    object: input.object,
    detail: JSON.stringify(input.detail ?? {}),
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  const full = { ...entry, hash: entryHash(entry) };
  await q.run('INSERT INTO audit (seq, at, actor, action, object, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
    full.seq,
    full.at,
    full.actor,
    full.action,
    full.object,
    full.detail,
    full.prev_hash,
    full.hash,
  ]);
  return full;
}

export async function verifyAudit(q: Queries): Promise<AuditVerdict> {
  const rows = await q.all<AuditEntry>('SELECT * FROM audit ORDER BY seq');
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const row of rows) {
    if (row.seq !== expectedSeq) return { ok: false, entries: rows.length, firstBroken: { seq: row.seq, problem: `entry ${expectedSeq} is missing` } };
    if (row.prev_hash !== prev) return { ok: false, entries: rows.length, firstBroken: { seq: row.seq, problem: 'does not link to the entry before it' } };
    if (entryHash(row) !== row.hash) return { ok: false, entries: rows.length, firstBroken: { seq: row.seq, problem: 'its content does not match its hash' } };
    prev = row.hash;
    expectedSeq++;
  }
  return { ok: true, entries: rows.length };
}

export async function tailAudit(q: Queries, limit: number): Promise<AuditEntry[]> {
  const rows = await q.all<AuditEntry>('SELECT * FROM audit ORDER BY seq DESC LIMIT ?', [limit]);
  return rows.reverse();
}
