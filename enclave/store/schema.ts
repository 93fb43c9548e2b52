/** The enclave's tables, created and migrated on start; `PRAGMA user_version` records how far. */
import { Db } from './db';

/** Append only: each entry moves a database from version i to i + 1. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE principals (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('bank', 'steward', 'researcher', 'admin')),
    org TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  CREATE TABLE datasets (
    name TEXT PRIMARY KEY,
    id_column TEXT NOT NULL,
    columns TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    k INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE dataset_rows (
    dataset TEXT NOT NULL REFERENCES datasets(name) ON DELETE CASCADE,
    row INTEGER NOT NULL,
    entity_id TEXT NOT NULL,
    cells TEXT NOT NULL,
    PRIMARY KEY (dataset, row)
  );
  CREATE UNIQUE INDEX dataset_rows_entity ON dataset_rows (dataset, entity_id);
  CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    org TEXT NOT NULL,
    owner TEXT NOT NULL,
    id_column TEXT NOT NULL,
    columns TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org, name)
  );
  CREATE TABLE upload_rows (
    upload TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
    row INTEGER NOT NULL,
    entity_id TEXT NOT NULL,
    cells TEXT NOT NULL,
    PRIMARY KEY (upload, row)
  );
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    org TEXT NOT NULL,
    spec TEXT NOT NULL,
    state TEXT NOT NULL,
    flags TEXT NOT NULL,
    approved_sensitive TEXT NOT NULL DEFAULT '[]',
    reason TEXT,
    progress REAL NOT NULL DEFAULT 0,
    progress_note TEXT,
    result TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX jobs_org ON jobs (org);
  CREATE INDEX jobs_state ON jobs (state);
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  -- The audit log is append-only: the database itself refuses to change or remove an entry.
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
  `,
  `
  CREATE TABLE consents (
    enterprise_id TEXT NOT NULL,
    bank TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('training', 'scoring', 'report')),
    granted TEXT NOT NULL,
    expires TEXT NOT NULL,
    revoked_at TEXT,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, bank, purpose)
  );
  CREATE TABLE he_sessions (
    id TEXT PRIMARY KEY,
    job TEXT NOT NULL REFERENCES jobs(id),
    owner TEXT NOT NULL,
    org TEXT NOT NULL,
    param_set TEXT NOT NULL,
    public_key BLOB,
    galois_keys BLOB,
    xty BLOB,
    coefficients BLOB,
    rounds INTEGER NOT NULL DEFAULT 0,
    bytes_in INTEGER NOT NULL DEFAULT 0,
    bytes_out INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    closed_at TEXT
  );
  `,
  `
  CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
  );
  CREATE TABLE score_usage (
    principal TEXT NOT NULL,
    day TEXT NOT NULL,
    enterprise TEXT NOT NULL,
    PRIMARY KEY (principal, day, enterprise)
  );
  `,
  `
  ALTER TABLE datasets ADD COLUMN require_training_consent INTEGER NOT NULL DEFAULT 0;
  `,
  // Scoring: the steward's per-dataset scoring policy, and which models scored which enterprise (keyed hashes) for the model budget.
  `
  CREATE TABLE scoring_policy (
    dataset TEXT PRIMARY KEY,
    models_per_window INTEGER NOT NULL,
    window_days INTEGER NOT NULL,
    noise_swap REAL NOT NULL,
    noise_sd REAL NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE score_models (
    bank TEXT NOT NULL,
    dataset TEXT NOT NULL,
    enterprise TEXT NOT NULL,
    model TEXT NOT NULL,
    first_at TEXT NOT NULL,
    PRIMARY KEY (bank, dataset, enterprise, model)
  );
  CREATE INDEX score_models_window ON score_models (dataset, first_at);
  `,
  `
  -- The differencing control (enclave/release/differencing.ts): who each released job trained on, as keyed hashes.
  CREATE TABLE released_populations (
    subject TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    dataset TEXT NOT NULL,
    columns TEXT NOT NULL,
    uploaded BLOB NOT NULL,
    ids BLOB NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX released_populations_org ON released_populations (org, dataset);
  `,
  `
  -- PSI sessions (enclave/psi/): sizes and outcome for the audit and the daily budget; the secrets and blinded points live in memory only.
  CREATE TABLE psi_sessions (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    owner TEXT NOT NULL,
    dataset TEXT NOT NULL,
    nonce TEXT NOT NULL,
    points INTEGER NOT NULL,
    received INTEGER NOT NULL DEFAULT 0,
    platform INTEGER NOT NULL,
    intersection INTEGER,
    upload TEXT,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT
  );
  CREATE INDEX psi_sessions_budget ON psi_sessions (org, dataset, created_at);
  `,
  `
  -- Network jobs (enclave/network/): the members whose masks cancel and the agreed layout; round ids
  -- used once each, since one mask on two different statistics would leak their difference.
  CREATE TABLE network_jobs (
    job TEXT PRIMARY KEY REFERENCES jobs(id),
    members TEXT NOT NULL,
    layout TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE network_rounds (
    job TEXT NOT NULL REFERENCES jobs(id),
    round TEXT NOT NULL,
    phase TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (job, round)
  );
  `,
  // Dataset snapshots: a new import of a name adds a version. dataset_rows keeps the latest snapshot's
  // rows (everything but the monitor reads only those, so no existing query changes); the rows of
  // earlier snapshots move to dataset_snapshot_rows. Existing datasets become their version 1.
  `
  ALTER TABLE datasets ADD COLUMN snapshot INTEGER NOT NULL DEFAULT 1;
  CREATE TABLE dataset_snapshots (
    dataset TEXT NOT NULL REFERENCES datasets(name) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (dataset, version)
  );
  INSERT INTO dataset_snapshots (dataset, version, row_count, imported_by, imported_at) SELECT name, 1, row_count, created_by, created_at FROM datasets;
  CREATE TABLE dataset_snapshot_rows (
    dataset TEXT NOT NULL,
    version INTEGER NOT NULL,
    row INTEGER NOT NULL,
    entity_id TEXT NOT NULL,
    cells TEXT NOT NULL,
    PRIMARY KEY (dataset, version, row),
    FOREIGN KEY (dataset, version) REFERENCES dataset_snapshots(dataset, version) ON DELETE CASCADE
  );
  `,
  // Network peers (enclave/network/peers.ts): the other provinces' identity keys as this enclave's
  // steward pinned them; a network job's roster must match them, so the hub cannot slip in a key it holds.
  `
  CREATE TABLE network_peers (
    province TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    pinned_by TEXT NOT NULL,
    pinned_at TEXT NOT NULL
  );
  `,
  // Network jobs' populations (enclave/release/network.ts networkDifferencing): the labels and roster
  // a print was taken under, so the same rows under other labels or another roster are told apart.
  `
  ALTER TABLE released_populations ADD COLUMN variant TEXT;
  -- A bank grants network use of an upload explicitly (enclave/network/jobs.ts): the hub's word for
  -- which bank a job is from reaches only uploads their owner opened to the network.
  ALTER TABLE uploads ADD COLUMN network INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- Enc(X^T y) of an encrypted-label training session (8 MB and more), written once in a row of its own:
  -- in he_sessions every round's counter update rewrote it (enclave/he/training-totals.ts).
  CREATE TABLE he_training_totals (
    session TEXT PRIMARY KEY REFERENCES he_sessions(id),
    xty BLOB NOT NULL
  );
  INSERT INTO he_training_totals (session, xty) SELECT id, xty FROM he_sessions WHERE xty IS NOT NULL;
  UPDATE he_sessions SET xty = NULL WHERE xty IS NOT NULL;
  `,
  // A snapshot's digest (enclave/data/datasets.ts datasetVersion) and its numeric columns' moments
  // (count, sum, sum of squares: the score noise's scale), computed once as its rows are imported
  // rather than by reading millions of rows back; NULL for snapshots imported before, which are
  // computed from their rows as they were.
  `
  ALTER TABLE dataset_snapshots ADD COLUMN digest TEXT;
  ALTER TABLE dataset_snapshots ADD COLUMN moments TEXT;
  `,
  // HE sessions' blobs apart from what changes per request: SQLite rewrites a whole row, blobs
  // included, on any update, and a private-scoring session's model is about 22 MB. The model is
  // written once when the bank sends it (enclave/he/scoring-session.ts); the traffic counts, updated
  // with every request and round, have a row of their own (enclave/he/session-store.ts).
  `
  CREATE TABLE he_score_models (
    session TEXT PRIMARY KEY REFERENCES he_sessions(id),
    coefficients BLOB NOT NULL
  );
  INSERT INTO he_score_models (session, coefficients) SELECT id, coefficients FROM he_sessions WHERE coefficients IS NOT NULL;
  UPDATE he_sessions SET coefficients = NULL WHERE coefficients IS NOT NULL;
  CREATE TABLE he_session_traffic (
    session TEXT PRIMARY KEY REFERENCES he_sessions(id),
    bytes_in INTEGER NOT NULL DEFAULT 0,
    bytes_out INTEGER NOT NULL DEFAULT 0
  );
  `,
  // The daily quota's count of distinct enterprises per principal and day (enclave/scoring/limits.ts),
  // kept by triggers as score_usage's rows come and go, where each scoring request counted the day's
  // rows.
  `
  CREATE TABLE score_usage_days (
    principal TEXT NOT NULL,
    day TEXT NOT NULL,
    enterprises INTEGER NOT NULL,
    PRIMARY KEY (principal, day)
  );
  INSERT INTO score_usage_days (principal, day, enterprises) SELECT principal, day, COUNT(*) FROM score_usage GROUP BY principal, day;
  CREATE TRIGGER score_usage_counted AFTER INSERT ON score_usage BEGIN
    INSERT INTO score_usage_days (principal, day, enterprises) VALUES (NEW.principal, NEW.day, 1)
      ON CONFLICT (principal, day) DO UPDATE SET enterprises = enterprises + 1;
  END;
  CREATE TRIGGER score_usage_uncounted AFTER DELETE ON score_usage BEGIN
    UPDATE score_usage_days SET enterprises = enterprises - 1 WHERE principal = OLD.principal AND day = OLD.day;
  END;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The schema version just before the first migration whose text contains `marker` (tests of upgrades from older files). */
export function versionBefore(marker: string): number {
  const at = MIGRATIONS.findIndex((m) => m.includes(marker));
  if (at < 0) throw new Error(`no migration contains ${marker}`);
  return at;
}

/** `version` below SCHEMA_VERSION stops the migrations early: tests build a database as an older jointlab left it. */
export async function openStore(file: string, version = SCHEMA_VERSION): Promise<Db> {
  return openMigrated(file, MIGRATIONS, 'jointlab', version);
}

/**
 * Opens a SQLite file and runs the migrations it has not had, each in its own transaction, counting
 * them in `user_version`; a file from a newer build is refused. The enclave's store and the hub's share it.
 */
export async function openMigrated(file: string, migrations: readonly string[], owner: string, version = migrations.length): Promise<Db> {
  const db = await Db.open(file);
  await db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
  const row = await db.get<{ user_version: number }>('PRAGMA user_version');
  const current = row?.user_version ?? 0;
  if (current > migrations.length) {
    await db.close();
    throw new Error(`database schema version ${current} is newer than this ${owner} (${migrations.length})`);
  }
  for (let v = current; v < version; v++) {
    await db.transaction(async (q) => {
      for (const statement of splitStatements(migrations[v])) await q.run(statement);
      await q.run(`PRAGMA user_version = ${v + 1}`);
    });
  }
  return db;
}

/** Splits a migration into statements; trigger bodies (BEGIN ... END;) stay whole. */
function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of sql.split('\n')) {
    if (line.trim().startsWith('--')) continue;
    current += line + '\n';
    const t = current.trim();
    const inTrigger = /^CREATE TRIGGER/i.test(t) && !/END;$/i.test(t);
    if (t.endsWith(';') && !inTrigger) {
      out.push(t);
      current = '';
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
