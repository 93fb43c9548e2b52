/**
 * The hub's SQLite file: principals and the audit chain in the enclave's own shape (so the enclave's
 * token and audit code serve both), the member enclaves it pins (their tokens sealed under a key kept
 * outside the file), network jobs, and rounds. A round
 * keeps its phase and state only: not a province's share, and not the sum either (the sum column stays
 * empty), so two jobs' sums cannot be subtracted from the hub's file.
 */
import { Db } from '../enclave/store/db';
import { openMigrated } from '../enclave/store/schema';
import { sealToken, useSealKey } from './token-seal';

const MIGRATIONS: string[] = [
  `CREATE TABLE principals (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('bank', 'admin')),
    org TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  )`,
  `CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  )`,
  `CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`,
  `CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`,
  `CREATE TABLE members (
    province TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    public_key TEXT NOT NULL,
    token TEXT NOT NULL,
    info TEXT NOT NULL,
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`,
  `CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    org TEXT NOT NULL,
    spec TEXT NOT NULL,
    members TEXT NOT NULL,
    layout TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    result TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`,
  `CREATE TABLE rounds (
    job TEXT NOT NULL REFERENCES jobs(id),
    round TEXT NOT NULL,
    phase TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'summed', 'aborted')),
    sum BLOB,
    reason TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (job, round)
  )`,
];

/**
 * Migrations after the first, in order (openMigrated counts them by position: append only).
 * 2: members' tokens sealed at rest (hub/token-seal.ts); the clear column is emptied by sealMemberTokens.
 * 3: a refused job's province and code (hub/jobs.ts).
 * 4: stops a member was down for, sent again until heard (hub/stop-notices.ts).
 */
const LATER: string[] = [
  `ALTER TABLE members ADD COLUMN token_sealed BLOB;`,
  `ALTER TABLE jobs ADD COLUMN refusal TEXT;`,
  `CREATE TABLE stop_notices (
    job TEXT NOT NULL REFERENCES jobs(id),
    province TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('interrupted', 'refused')),
    reason TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    noted_at TEXT NOT NULL,
    PRIMARY KEY (job, province)
  );`,
];

export const HUB_MIGRATIONS: readonly string[] = [MIGRATIONS.map((statement) => `${statement};`).join('\n'), ...LATER];

/**
 * The hub's schema: version 1 is the statements above, then LATER. With a seal key (the hub itself,
 * not the operator's token issuing, which never reads a member's token) a member token still in the
 * clear, from a database of an earlier build, is sealed and its clear bytes wiped from the file.
 */
export async function openHubStore(file: string, sealKey?: Buffer): Promise<Db> {
  const db = await openMigrated(file, HUB_MIGRATIONS, 'jointlab hub');
  // Deleted and overwritten content is zeroed in the file, so a token replaced by its seal is gone, not in a free page.
  await db.exec('PRAGMA secure_delete = ON;');
  if (sealKey) {
    useSealKey(db, sealKey);
    await sealMemberTokens(db);
  }
  return db;
}

async function sealMemberTokens(db: Db): Promise<void> {
  const clear = await db.all<{ province: string; token: string }>("SELECT province, token FROM members WHERE token <> ''");
  if (!clear.length) return;
  await db.transaction(async (q) => {
    for (const m of clear) await q.run("UPDATE members SET token_sealed = ?, token = '' WHERE province = ?", [sealToken(db, m.province, m.token), m.province]);
  });
  // The WAL may still hold pages written before the seal: copy the new pages back and empty it.
  await db.exec('PRAGMA wal_checkpoint(TRUNCATE);');
}
