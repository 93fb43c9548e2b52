/**
 * Starts an enclave's columnar store: opens it, removes what an earlier process left unfinished or
 * superseded, and rebuilds in the background the copies a latest snapshot lacks (a database from
 * before the store, or an enclave that died between SQLite's commit and the copy's rename).
 */
import { createHash } from 'node:crypto';
import { snapshotDigestPrefix } from '../data/datasets';
import type { DatasetMeta } from '../../lab/api/datasets';
import type { Db } from '../store/db';
import { ColumnarStore } from './columnar-store';
import { failureKind, loadDuckDb, ownFailure } from './duckdb-api';
import { registerColumnar } from './registry';

/** Rows read from SQLite at a time while a copy is rebuilt. */
const REBUILD_PAGE = 50_000;

export interface OpenColumnar {
  store: ColumnarStore;
  /** Settles when the rebuilds started at open are done (or stopped by close). */
  rebuilt: Promise<void>;
  close(): Promise<void>;
}

export async function openColumnar(db: Db, dbFile: string, log: (line: string) => void): Promise<OpenColumnar> {
  const store = await ColumnarStore.open(loadDuckDb().api!, dbFile, log);
  registerColumnar(db, store);
  const missing = await store.sweep(db);
  let stopping = false;
  const rebuilt = (async () => {
    for (const snapshot of missing) {
      if (stopping) return;
      try {
        await rebuild(db, store, snapshot, () => stopping);
      } catch (e) {
        log(`columnar copy of dataset ${snapshot.dataset} snapshot ${snapshot.version} not rebuilt: ${failureKind(e)}`);
      }
    }
  })();
  return {
    store,
    rebuilt,
    async close() {
      stopping = true;
      await rebuilt;
      store.close();
    },
  };
}

/**
 * A snapshot's copy from SQLite's rows, read a page at a time outside any transaction (the service
 * keeps answering), published only if the rows hash to the snapshot's digest and the snapshot is
 * still the latest when done: the copy holds exactly that snapshot's rows or is not kept.
 */
async function rebuild(db: Db, store: ColumnarStore, snapshot: { dataset: string; version: number; digest: string }, stopped: () => boolean): Promise<void> {
  const row = await db.get<{ columns: string }>('SELECT columns FROM datasets WHERE name = ?', [snapshot.dataset]);
  if (!row) return;
  const columns = JSON.parse(row.columns) as DatasetMeta['columns'];
  const writer = await store.writer(snapshot.dataset, snapshot.version, columns.filter((c) => c.policy !== 'id').map((c) => ({ name: c.name, type: c.type })));
  try {
    const hash = createHash('sha256').update(snapshotDigestPrefix(columns));
    const { n } = (await db.get<{ n: number }>('SELECT coalesce(max(row) + 1, 0) AS n FROM dataset_rows WHERE dataset = ?', [snapshot.dataset]))!;
    for (let from = 0; from < n; from += REBUILD_PAGE) {
      if (stopped()) throw ownFailure('the enclave is closing');
      const page = await db.all<{ entity_id: string; cells: string }>('SELECT entity_id, cells FROM dataset_rows WHERE dataset = ? AND row >= ? AND row < ? ORDER BY row', [snapshot.dataset, from, from + REBUILD_PAGE]);
      for (const r of page) hash.update(`\u0000${r.entity_id}\u0000${r.cells}`);
      writer.append({ ids: page.map((r) => r.entity_id), cells: page.map((r) => JSON.parse(r.cells) as string[]) });
    }
    const now = await db.get<{ snapshot: number }>('SELECT snapshot FROM datasets WHERE name = ?', [snapshot.dataset]);
    if (hash.digest('hex') !== snapshot.digest || now?.snapshot !== snapshot.version) throw ownFailure('the snapshot changed while its copy was rebuilt');
    await store.publish(writer, snapshot.digest);
  } catch (e) {
    await writer.abort().catch(() => undefined);
    throw e;
  }
}
