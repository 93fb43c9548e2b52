/**
 * The hub's SQLite file: principals and the audit chain in the enclave's own shape (so the enclave's
 * token and audit code serve both), the member enclaves it pins, network jobs, and rounds. A round
 * keeps its phase and state only: not a province's share, and not the sum either (the sum column stays
 * empty), so two jobs' sums cannot be subtracted from the hub's file.
 */
import { Db } from '../enclave/store/db';
import { openMigrated } from '../enclave/store/schema';

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

/** The hub's schema is one migration (version 1) of the statements above. */
export async function openHubStore(file: string): Promise<Db> {
  return openMigrated(file, [MIGRATIONS.map((statement) => `${statement};`).join('\n')], 'jointlab hub');
}
