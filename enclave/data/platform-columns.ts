/**
 * The platform's columns for a job's enterprises, from one snapshot: the cells of the enterprises
 * asked about, and whole-table summaries of the columns for the standardization. Two engines give
 * the same answer: SQLite rows (every row read and parsed) and, when the enclave runs it, the
 * snapshot's DuckDB copy (a join inside DuckDB and summaries counted at import).
 */
import { JointlabError } from '../../lab/errors';
import type { DatasetMeta } from '../../lab/api/datasets';
import { columnarOf } from '../columnar/registry';
import { ColumnSummary, summarizeColumn } from '../release/population';
import { Db } from '../store/db';
import { datasetCells, getDatasetMeta } from './datasets';
import { KEPT_JOIN_IDS, joinKey, keepJoin, keptCells, keptJoin } from './kept-cells';

export interface PlatformColumns {
  engine: 'sqlite' | 'duckdb';
  meta: DatasetMeta;
  /** The columns' types, in the order asked for. */
  types: ('numeric' | 'categorical')[];
  /** Cells of the enterprises asked about that the snapshot holds (the SQLite engine may hold more), columns in the order asked for. */
  byId: Map<string, string[]>;
  /** Whole-table summaries of some of the columns asked for, each read as the job's frame typed it (release/population.ts). */
  summaries(columns: { name: string; kind: 'numeric' | 'categorical' }[]): Promise<ColumnSummary[]>;
}

export interface PlatformReadOptions {
  /**
   * Keep what was read for the next read of the same snapshot (data/kept-cells.ts), for readers that
   * come back to one snapshot often (encrypted-label sessions): on SQLite rows the snapshot's cells of
   * the columns, on DuckDB the join of these ids (lists up to KEPT_JOIN_IDS). The cells handed out are
   * then shared: readers do not change them.
   */
  keep?: boolean;
}

/** Snapshots already said to have no columnar copy, so the log says it once. */
const announced = new Set<string>();

/**
 * Reads `columns` of `dataset` for the enterprises `ids` and hands them to `use` while the snapshot
 * is held; DuckDB when the enclave has a columnar store and a whole copy of the latest snapshot,
 * SQLite's rows otherwise.
 */
export async function withPlatformColumns<T>(
  db: Db,
  dataset: string,
  columns: string[],
  ids: readonly string[],
  use: (platform: PlatformColumns) => Promise<T>,
  options: PlatformReadOptions = {},
): Promise<T> {
  const store = columnarOf(db);
  if (store) {
    const meta = await getDatasetMeta(db, dataset);
    if (!meta) throw new JointlabError('not_found', `dataset "${dataset}" no longer exists`, 'not_found');
    const stored = meta.columns.filter((c) => c.policy !== 'id');
    const types = columns.map((name) => {
      const column = stored.find((c) => c.name === name);
      if (!column) throw new JointlabError('unknown_column', `dataset "${dataset}" has no column "${name}"`);
      return column.type;
    });
    const row = await db.get<{ digest: string | null }>('SELECT digest FROM dataset_snapshots WHERE dataset = ? AND version = ?', [dataset, meta.snapshot]);
    const snapshot = { dataset, version: meta.snapshot, digest: row?.digest ?? null };
    const keepAs = options.keep && snapshot.digest && ids.length <= KEPT_JOIN_IDS ? joinKey({ ...snapshot, digest: snapshot.digest }, columns, ids) : undefined;
    const known = keepAs ? await keptJoin(db, keepAs)?.catch(() => undefined) : undefined;
    if (known) {
      // Summaries need the copy itself: read again only if asked (a reader that keeps its encoder does not ask).
      const summaries = async (wanted: { name: string; kind: 'numeric' | 'categorical' }[]): Promise<ColumnSummary[]> => {
        const read = await store.read(snapshot, columns, [], (r) => r.summaries(wanted));
        if (!read) throw new JointlabError('snapshot_changed', `dataset "${dataset}" changed while it was read; retry`, 'conflict');
        return read;
      };
      return use({ engine: 'duckdb', meta, types, byId: known, summaries });
    }
    // Kept from the start of the read, so that a second reader of the same ids waits for this join instead of joining again.
    let joined: ((byId: Map<string, string[]>) => void) | undefined;
    let failed: (() => void) | undefined;
    if (keepAs) {
      keepJoin(db, keepAs, new Promise<Map<string, string[]>>((resolve, reject) => ([joined, failed] = [resolve, () => reject(new Error('not joined'))])));
    }
    let read: T | undefined;
    try {
      read = await store.read(snapshot, columns, ids, (r) => {
        joined?.(r.byId);
        return use({ engine: 'duckdb', meta, types, byId: r.byId, summaries: r.summaries });
      });
    } finally {
      // No copy to read (or DuckDB could not): what was kept goes (a no-op once joined).
      failed?.();
    }
    if (read !== undefined) return read;
    const key = `${dataset}@${meta.snapshot}`;
    if (!announced.has(key)) {
      announced.add(key);
      store.logLine(`platform columns of dataset ${dataset} snapshot ${meta.snapshot}: no columnar copy, read from SQLite rows`);
    }
  }
  return use(await sqliteColumns(db, dataset, columns, options.keep ?? false));
}

/** SQLite's rows: every row of the latest snapshot (or the kept read of it), the columns' cells by id, summaries counted from them. */
async function sqliteColumns(db: Db, dataset: string, columns: string[], keep: boolean): Promise<PlatformColumns> {
  const { byId, types, meta } = keep ? await keptCells(db, dataset, columns) : await datasetCells(db, dataset, columns);
  return {
    engine: 'sqlite',
    meta,
    types,
    byId,
    async summaries(wanted) {
      const rows = [...byId.values()];
      const out: ColumnSummary[] = [];
      for (const { name, kind } of wanted) {
        const at = columns.indexOf(name);
        out.push(summarizeColumn({ name, kind, cells: rows.map((r) => r[at]) }));
        await new Promise((resolve) => setImmediate(resolve));
      }
      return out;
    },
  };
}
