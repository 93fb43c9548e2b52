/** Platform datasets: imported by a steward, described by schema, policy and k-safe aggregates, never returned as rows. */
import { createHash } from 'node:crypto';
import { COLUMN_POLICIES, ColumnInfo, ColumnPolicy } from '../../lab/spec/policy';
import { JointlabError } from '../../lab/errors';
import { isMissingCell } from '../../lab/data/columns';
import { appendAudit } from '../audit/log';
import { releaseCount } from '../release/disclosure';
import { coarseMoments } from '../release/population';
import type { Principal } from '../../lab/api/principals';
import { Db, Queries } from '../store/db';
import { ColumnMoments, CsvSource, ImportLimits, ScannedUpload, UploadCheck, insertRows, scanUpload } from './csv-import';
import { archiveLatest, assertSameShape, snapshotRows } from './snapshots';
import { abandonCopy, publishCopy, startCopy } from '../columnar/registry';
import type { SnapshotWriter } from '../columnar/snapshot-writer';
import type { ColumnAggregate, DatasetMeta } from '../../lab/api/datasets';

export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const DEFAULT_K = 10;

interface DatasetRow {
  name: string;
  id_column: string;
  columns: string;
  row_count: number;
  k: number;
  require_training_consent: number;
  snapshot: number;
  created_at: string;
  updated_at: string;
}

function toMeta(r: DatasetRow): DatasetMeta {
  return {
    name: r.name,
    idColumn: r.id_column,
    columns: JSON.parse(r.columns),
    rows: r.row_count,
    k: r.k,
    requireTrainingConsent: r.require_training_consent === 1,
    snapshot: r.snapshot,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function assertK(k: number): void {
  if (!Number.isInteger(k) || k < 2 || k > 10_000) throw new JointlabError('bad_k', 'k must be a whole number from 2 to 10000', 'usage');
}

export type PolicyUpdate = Partial<Record<ColumnPolicy, string[]>>;

/** Applies lists of columns per policy; a column may be named once, and the id column keeps its policy. */
export function applyPolicy(columns: ColumnInfo[], update: PolicyUpdate): ColumnInfo[] {
  const next = columns.map((c) => ({ ...c }));
  const seen = new Set<string>();
  for (const policy of Object.keys(update)) {
    if (!(COLUMN_POLICIES as readonly string[]).includes(policy) || policy === 'id') {
      throw new JointlabError('bad_policy', `policy must be one of ${COLUMN_POLICIES.filter((p) => p !== 'id').join(', ')}`);
    }
    for (const name of update[policy as ColumnPolicy] ?? []) {
      const column = next.find((c) => c.name === name);
      if (!column) throw new JointlabError('unknown_column', `there is no column "${name}" in the dataset`);
      if (column.policy === 'id') throw new JointlabError('bad_policy', `"${name}" is the id column; its policy cannot change`);
      if (seen.has(name)) throw new JointlabError('bad_policy', `column "${name}" is given two policies`);
      seen.add(name);
      column.policy = policy as ColumnPolicy;
    }
  }
  return next;
}

/**
 * Imports a CSV as a dataset, or as the next snapshot of an existing one. A snapshot keeps the
 * dataset's policy and k; flags that would change them are refused rather than silently dropped
 * (`dataset policy` changes them), and the file must have the dataset's shape (snapshots.ts).
 */
export async function importDataset(
  db: Db,
  input: { name: string; idColumn: string; k?: number; defaultK?: number; body: CsvSource | unknown; policy: PolicyUpdate; check?: UploadCheck; limits?: Partial<ImportLimits> },
  actor: Principal,
): Promise<DatasetMeta> {
  if (!DATASET_NAME.test(input.name)) throw new JointlabError('bad_name', 'dataset names are 1-64 letters, digits, . _ -', 'usage');
  const k = input.k ?? input.defaultK ?? DEFAULT_K;
  assertK(k);
  const scanned = await scanUpload(input.body as CsvSource, input.idColumn, { limits: input.limits, check: input.check });
  try {
    const base: ColumnInfo[] = [
      { name: input.idColumn, type: 'categorical', policy: 'id' },
      ...scanned.names.map((name): ColumnInfo => ({ name, type: scanned.types.get(name)!, policy: 'feature' })),
    ];
    const now = new Date().toISOString();
    // The columnar copy (enclave/columnar/) takes the same checked rows as they are inserted, and
    // becomes the snapshot's only once SQLite committed it.
    const copy: { writer?: SnapshotWriter; digest?: string } = {};
    try {
      await db.transaction(async (q) => {
        const existing = await q.get<DatasetRow>('SELECT * FROM datasets WHERE name = ?', [input.name]);
        if (existing) {
          const meta = toMeta(existing);
          copy.writer = await startCopy(db, meta.name, meta.snapshot + 1, storedColumns(meta.columns));
          copy.digest = await addSnapshot(q, meta, input, scanned, actor, now, copy.writer);
          return;
        }
        const columns = applyPolicy(base, input.policy);
        await q.run('INSERT INTO datasets (name, id_column, columns, row_count, k, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
          input.name,
          input.idColumn,
          JSON.stringify(columns),
          scanned.rows,
          k,
          actor.id,
          now,
          now,
        ]);
        await q.run('INSERT INTO dataset_snapshots (dataset, version, row_count, imported_by, imported_at) VALUES (?, 1, ?, ?, ?)', [input.name, scanned.rows, actor.id, now]);
        copy.writer = await startCopy(db, input.name, 1, storedColumns(columns));
        const { digest, moments } = await insertRows(q, 'dataset_rows', input.name, scanned, scanned.names, digestPrefix(columns), copy.writer && ((b) => copy.writer!.append(b)));
        copy.digest = digest;
        await q.run('UPDATE dataset_snapshots SET digest = ?, moments = ? WHERE dataset = ? AND version = 1', [digest, JSON.stringify(moments), input.name]);
        await appendAudit(q, {
          actor: actor.id,
          action: 'dataset.import',
          object: `dataset:${input.name}`,
          detail: { columns: columns.length, k, snapshot: 1 },
        });
      });
    } catch (e) {
      await abandonCopy(copy.writer);
      throw e;
    }
    await publishCopy(db, copy.writer, copy.digest!);
  } finally {
    await scanned.dispose();
  }
  return (await getDatasetMeta(db, input.name))!;
}

/** The next snapshot of `meta`: checked against the dataset's shape and policy, the previous rows archived, the new ones stored in the dataset's column order. */
async function addSnapshot(
  q: Queries,
  meta: DatasetMeta,
  input: { name: string; idColumn: string; k?: number; policy: PolicyUpdate },
  scanned: ScannedUpload,
  actor: Principal,
  now: string,
  copy: SnapshotWriter | undefined,
): Promise<string> {
  assertSameShape(meta, input.idColumn, scanned);
  const samePolicy = JSON.stringify(applyPolicy(meta.columns, input.policy)) === JSON.stringify(meta.columns);
  if (!samePolicy || (input.k !== undefined && input.k !== meta.k)) {
    throw new JointlabError('snapshot_policy', `a new snapshot of "${meta.name}" keeps the dataset's column policies and k = ${meta.k}; change them with \`jointlab dataset policy ${meta.name}\` (PUT /v1/datasets/${meta.name}/policy)`, 'conflict');
  }
  const version = meta.snapshot + 1;
  await archiveLatest(q, meta.name, meta.snapshot);
  await q.run('INSERT INTO dataset_snapshots (dataset, version, row_count, imported_by, imported_at) VALUES (?, ?, ?, ?, ?)', [meta.name, version, scanned.rows, actor.id, now]);
  const stored = meta.columns.filter((c) => c.policy !== 'id').map((c) => c.name);
  const { digest, moments } = await insertRows(q, 'dataset_rows', meta.name, scanned, stored, digestPrefix(meta.columns), copy && ((b) => copy.append(b)));
  await q.run('UPDATE dataset_snapshots SET digest = ?, moments = ? WHERE dataset = ? AND version = ?', [digest, JSON.stringify(moments), meta.name, version]);
  await q.run('UPDATE datasets SET snapshot = ?, row_count = ?, updated_at = ? WHERE name = ?', [version, scanned.rows, now, meta.name]);
  await appendAudit(q, { actor: actor.id, action: 'dataset.snapshot', object: `dataset:${meta.name}`, detail: { snapshot: version, previous: meta.snapshot } });
  return digest;
}

/** The stored (non-id) columns in the order SQLite keeps their cells, with their types. */
function storedColumns(columns: ColumnInfo[]): { name: string; type: 'numeric' | 'categorical' }[] {
  return columns.filter((c) => c.policy !== 'id').map((c) => ({ name: c.name, type: c.type }));
}

/** What a snapshot's digest starts with: its columns' names and types (policies are no part of it). */
export function snapshotDigestPrefix(columns: ColumnInfo[]): string {
  return digestPrefix(columns);
}

function digestPrefix(columns: ColumnInfo[]): string {
  return JSON.stringify(columns.map((c) => [c.name, c.type]));
}

export async function getDatasetMeta(db: Db, name: string): Promise<DatasetMeta | undefined> {
  const row = await db.get<DatasetRow>('SELECT * FROM datasets WHERE name = ?', [name]);
  return row && toMeta(row);
}

export async function listDatasets(db: Db): Promise<DatasetMeta[]> {
  return (await db.all<DatasetRow>('SELECT * FROM datasets ORDER BY name')).map(toMeta);
}

export async function setPolicy(db: Db, name: string, update: PolicyUpdate, k: number | undefined, actor: Principal, requireTrainingConsent?: boolean): Promise<DatasetMeta> {
  if (k !== undefined) assertK(k);
  await db.transaction(async (q) => {
    const row = await q.get<DatasetRow>('SELECT * FROM datasets WHERE name = ?', [name]);
    if (!row) throw new JointlabError('not_found', `no dataset "${name}"`, 'not_found');
    const columns = applyPolicy(JSON.parse(row.columns), update);
    const consent = requireTrainingConsent === undefined ? row.require_training_consent : requireTrainingConsent ? 1 : 0;
    await q.run('UPDATE datasets SET columns = ?, k = ?, require_training_consent = ?, updated_at = ? WHERE name = ?', [JSON.stringify(columns), k ?? row.k, consent, new Date().toISOString(), name]);
    await appendAudit(q, {
      actor: actor.id,
      action: 'dataset.policy',
      object: `dataset:${name}`,
      detail: { policy: Object.fromEntries(Object.entries(update).map(([p, cols]) => [p, cols])), k: k ?? row.k, requireTrainingConsent: consent === 1 },
    });
  });
  return (await getDatasetMeta(db, name))!;
}

/**
 * Aggregates of feature and label columns where at least k rows stand behind each figure; id,
 * sensitive and forbidden columns get none. Categorical levels with fewer than k rows are pooled.
 */
export async function datasetAggregates(db: Db, meta: DatasetMeta): Promise<ColumnAggregate[]> {
  const rows = await db.all<{ cells: string }>('SELECT cells FROM dataset_rows WHERE dataset = ?', [meta.name]);
  const cells = rows.map((r) => JSON.parse(r.cells) as string[]);
  const k = meta.k;
  // Stored cells follow the dataset's columns without the id column.
  const stored = meta.columns.filter((c) => c.policy !== 'id');
  const out: ColumnAggregate[] = [];
  stored.forEach((column, j) => {
    if (column.policy !== 'feature' && column.policy !== 'label') return;
    const values = cells.map((r) => r[j]).filter((v) => !isMissingCell(v, column.type));
    const missing = cells.length - values.length;
    if (column.type === 'numeric') {
      const enough = values.length >= k;
      const xs = values.map(Number);
      const mean = xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(xs.length, 1));
      // The same coarse moments as a job's standardization (enclave/release/population.ts): one says no more than the other.
      const coarse = coarseMoments(mean, sd);
      out.push({ name: column.name, type: 'numeric', present: releaseCount(values.length, k), missing: releaseCount(missing, k), mean: enough ? coarse.mean : null, sd: enough ? (sd > 0 ? coarse.scale : 0) : null });
    } else {
      const counts = new Map<string, number>();
      for (const v of values) counts.set(v.trim(), (counts.get(v.trim()) ?? 0) + 1);
      const levels = [...counts.entries()].filter(([, n]) => n >= k).map(([level, count]) => ({ level, count: releaseCount(count, k) as number })).sort((a, b) => b.count - a.count);
      const shown = [...counts.values()].filter((n) => n >= k).reduce((a, b) => a + b, 0);
      const other = values.length - shown;
      out.push({ name: column.name, type: 'categorical', present: releaseCount(values.length, k), missing: releaseCount(missing, k), levels, otherLevels: releaseCount(other, k) });
    }
  });
  return out;
}

/** Rows of the given enterprises, through the unique (dataset, entity_id) index, in batches under SQLite's parameter limit. */
async function rowsOf(db: Db, dataset: string, ids: readonly string[]): Promise<{ entity_id: string; cells: string }[]> {
  // One statement for the whole request: the ids go in as one JSON array.
  return db.all<{ entity_id: string; cells: string }>('SELECT entity_id, cells FROM dataset_rows WHERE dataset = ? AND entity_id IN (SELECT value FROM json_each(?))', [dataset, JSON.stringify([...new Set(ids)])]);
}

/** The dataset's stored (non-id) columns and where each named column sits among them in a row's cells. */
async function columnPositions(db: Db, dataset: string, columns: string[]): Promise<{ meta: DatasetMeta; stored: DatasetMeta['columns']; positions: number[] }> {
  const meta = await getDatasetMeta(db, dataset);
  if (!meta) throw new JointlabError('not_found', `dataset "${dataset}" no longer exists`, 'not_found');
  const stored = meta.columns.filter((c) => c.policy !== 'id');
  const positions = columns.map((name) => {
    const at = stored.findIndex((c) => c.name === name);
    if (at < 0) throw new JointlabError('unknown_column', `dataset "${dataset}" has no column "${name}"`);
    return at;
  });
  return { meta, stored, positions };
}

/**
 * The named columns' cells by enterprise id, with the columns' types: the enclave-internal read that
 * joins use (every row), and scoring (only the ids asked about).
 */
export async function datasetCells(db: Db, dataset: string, columns: string[], ids?: readonly string[]): Promise<{ byId: Map<string, string[]>; types: ('numeric' | 'categorical')[]; meta: DatasetMeta }> {
  const { meta, stored, positions } = await columnPositions(db, dataset, columns);
  const byId = new Map<string, string[]>();
  const keep = (r: { entity_id: string; cells: string }): void => {
    const cells = JSON.parse(r.cells) as string[];
    byId.set(r.entity_id, positions.map((p) => cells[p]));
  };
  if (ids) (await rowsOf(db, dataset, ids)).forEach(keep);
  else await eachRow(db, dataset, keep);
  return { byId, types: positions.map((p) => stored[p].type), meta };
}

/**
 * The named columns' cells of an even sample of at most `maxRows` rows of the latest snapshot, in row
 * order: every ceil(rows / maxRows)-th row from the first, the sample taking every row of the whole
 * table would, looked up by row number rather than read with all the others.
 */
export async function datasetSample(db: Db, dataset: string, columns: string[], maxRows: number): Promise<string[][]> {
  const { positions } = await columnPositions(db, dataset, columns);
  return db.transaction(async (q) => {
    const { n } = (await q.get<{ n: number }>('SELECT coalesce(max(row) + 1, 0) AS n FROM dataset_rows WHERE dataset = ?', [dataset]))!;
    const every = Math.max(1, Math.ceil(n / maxRows));
    const out: string[][] = [];
    for (let from = 0; from < n; from += every * 500) {
      const rowNumbers = Array.from({ length: 500 }, (_, i) => from + i * every).filter((r) => r < n);
      const page = await q.all<{ cells: string }>(`SELECT cells FROM dataset_rows WHERE dataset = ? AND row IN (${rowNumbers.map(() => '?').join(', ')}) ORDER BY row`, [dataset, ...rowNumbers]);
      for (const r of page) {
        const cells = JSON.parse(r.cells) as string[];
        out.push(positions.map((p) => cells[p]));
      }
    }
    return out;
  });
}

/** Rows read a page at a time: a table of millions is never held as row objects all at once. */
const ROWS_PER_PAGE = 100_000;

/**
 * Every row of the dataset's latest snapshot, in pages by row number (the primary key), inside one
 * transaction so that an import between two pages cannot mix two snapshots' rows.
 */
async function eachRow(db: Db, dataset: string, visit: (r: { entity_id: string; cells: string }) => void): Promise<void> {
  await db.transaction(async (q) => {
    const { n } = (await q.get<{ n: number }>('SELECT coalesce(max(row) + 1, 0) AS n FROM dataset_rows WHERE dataset = ?', [dataset]))!;
    for (let from = 0; from < n; from += ROWS_PER_PAGE) {
      const page = await q.all<{ entity_id: string; cells: string }>('SELECT entity_id, cells FROM dataset_rows WHERE dataset = ? AND row >= ? AND row < ?', [dataset, from, from + ROWS_PER_PAGE]);
      page.forEach(visit);
    }
  });
}

/** The latest snapshot's numeric columns' moments as its import counted them; undefined for snapshots imported before they were stored. */
export async function snapshotMoments(db: Db, meta: DatasetMeta): Promise<Record<string, ColumnMoments> | undefined> {
  const row = await db.get<{ moments: string | null }>('SELECT moments FROM dataset_snapshots WHERE dataset = ? AND version = ?', [meta.name, meta.snapshot]);
  return row?.moments ? (JSON.parse(row.moments) as Record<string, ColumnMoments>) : undefined;
}

/** Content digests of imported snapshots, by dataset, import and version (stored rows never change after import). */
const versions = new WeakMap<Db, Map<string, string>>();

/** What identifies the latest snapshot's rows in a cache: a new import of the name is a new key. */
export function snapshotKey(meta: DatasetMeta, version = meta.snapshot): string {
  return `${meta.name}\u0000${meta.createdAt}\u0000${version}`;
}

/**
 * The dataset's version as released noise is keyed to it: a SHA-256 digest of its columns and its
 * latest snapshot's rows in import order (or of snapshot `snapshot`), so the same data re-imported
 * (another day, another enclave run, another snapshot) draws the same noise, and different data
 * different noise. The import time is no part of it.
 */
export async function datasetVersion(db: Db, meta: DatasetMeta, snapshot = meta.snapshot, rows?: { entity_id: string; cells: string }[]): Promise<string> {
  const cache = versions.get(db) ?? new Map<string, string>();
  versions.set(db, cache);
  const key = snapshotKey(meta, snapshot);
  const known = cache.get(key);
  if (known) return known;
  // The digest the import computed over the same bytes; snapshots imported before it was stored are hashed here.
  const stored = rows ? undefined : await db.get<{ digest: string | null }>('SELECT digest FROM dataset_snapshots WHERE dataset = ? AND version = ?', [meta.name, snapshot]);
  let digest = stored?.digest;
  if (!digest) {
    const hash = createHash('sha256').update(digestPrefix(meta.columns));
    // `rows`: the snapshot's rows when the caller has them already (the monitor), so they are not read twice.
    for (const r of rows ?? (await snapshotRows(db, meta, snapshot))) {
      hash.update(`\u0000${r.entity_id}\u0000${r.cells}`);
    }
    digest = hash.digest('hex');
  }
  const version = `${meta.name}@sha256:${digest}`;
  cache.set(key, version);
  return version;
}
