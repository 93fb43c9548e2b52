/**
 * Dataset snapshots: each import of a dataset's name is a version with its import date. The latest
 * snapshot's rows stay in `dataset_rows`, where training, scoring, HE, aggregates, the usage report
 * and the noise keys (datasetVersion) read them; earlier snapshots' rows are kept in
 * `dataset_snapshot_rows` for the stability monitor, the one reader of an older version.
 */
import { JointlabError } from '../../lab/errors';
import type { DatasetMeta, DatasetSnapshot } from '../../lab/api/datasets';
import { releaseCount } from '../release/disclosure';
import { Db, Queries } from '../store/db';
import type { UploadShape } from './csv-import';

interface SnapshotRow {
  version: number;
  row_count: number;
  imported_at: string;
}

/** The dataset's snapshots, oldest first, row counts under the disclosure rule (two snapshots' exact counts would say one enterprise came or went). */
export async function listSnapshots(q: Queries, meta: DatasetMeta): Promise<DatasetSnapshot[]> {
  const rows = await q.all<SnapshotRow>('SELECT version, row_count, imported_at FROM dataset_snapshots WHERE dataset = ? ORDER BY version', [meta.name]);
  return rows.map((r) => ({ version: r.version, importedAt: r.imported_at, rows: releaseCount(r.row_count, meta.k), latest: r.version === meta.snapshot }));
}

/** A snapshot by version; `not_found` names the versions there are. */
export async function assertSnapshot(q: Queries, meta: DatasetMeta, version: number): Promise<DatasetSnapshot> {
  const all = await listSnapshots(q, meta);
  const found = all.find((s) => s.version === version);
  if (!found) throw new JointlabError('unknown_snapshot', `dataset "${meta.name}" has no snapshot ${version}; its snapshots are 1 to ${meta.snapshot}`, 'validation');
  return found;
}

/**
 * The rows of one snapshot, in import order: the latest from dataset_rows, earlier ones from their
 * archive. Which one is decided in the same transaction as the read, so an import between reading
 * `meta` and the rows (which archives the version that was the latest) cannot hand back the next
 * snapshot's rows instead.
 */
export async function snapshotRows(db: Db, meta: DatasetMeta, version: number): Promise<{ entity_id: string; cells: string }[]> {
  return db.transaction(async (q) => {
    const latest = await q.get<{ snapshot: number }>('SELECT snapshot FROM datasets WHERE name = ?', [meta.name]);
    if (latest?.snapshot === version) return q.all<{ entity_id: string; cells: string }>('SELECT entity_id, cells FROM dataset_rows WHERE dataset = ? ORDER BY row', [meta.name]);
    return q.all<{ entity_id: string; cells: string }>('SELECT entity_id, cells FROM dataset_snapshot_rows WHERE dataset = ? AND version = ? ORDER BY row', [meta.name, version]);
  });
}

/**
 * A new snapshot must have the dataset's shape: the same id column, the same columns with the same
 * types, so that every policy, spec and model written against the dataset still means the same.
 * Each refusal has its own code and names the columns that differ (names only, never a value).
 */
export function assertSameShape(meta: DatasetMeta, idColumn: string, parsed: UploadShape): void {
  if (idColumn !== meta.idColumn) {
    throw new JointlabError('snapshot_id_column', `dataset "${meta.name}" is keyed by "${meta.idColumn}"; a new snapshot must use the same id column (it names "${idColumn}")`, 'validation');
  }
  const stored = meta.columns.filter((c) => c.policy !== 'id');
  const names = new Set(parsed.names);
  const missing = stored.filter((c) => !names.has(c.name)).map((c) => c.name);
  const added = parsed.names.filter((n) => !stored.some((c) => c.name === n));
  if (missing.length || added.length) {
    const parts = [missing.length ? `missing ${missing.map((n) => `"${n}"`).join(', ')}` : '', added.length ? `new ${added.map((n) => `"${n}"`).join(', ')}` : ''].filter(Boolean);
    throw new JointlabError('snapshot_columns', `a new snapshot of "${meta.name}" must have the dataset's columns: ${parts.join('; ')}`, 'validation');
  }
  const retyped = stored.filter((c) => parsed.types.get(c.name) !== c.type);
  if (retyped.length) {
    throw new JointlabError(
      'snapshot_column_types',
      `a new snapshot of "${meta.name}" must keep each column's type: ${retyped.map((c) => `"${c.name}" is ${c.type} in the dataset and ${parsed.types.get(c.name)} in the file`).join('; ')}`,
      'validation',
    );
  }
}

/** Moves the latest snapshot's rows to the archive, making room in dataset_rows for the next one. */
export async function archiveLatest(q: Queries, name: string, version: number): Promise<void> {
  await q.run('INSERT INTO dataset_snapshot_rows (dataset, version, row, entity_id, cells) SELECT dataset, ?, row, entity_id, cells FROM dataset_rows WHERE dataset = ?', [version, name]);
  await q.run('DELETE FROM dataset_rows WHERE dataset = ?', [name]);
}
