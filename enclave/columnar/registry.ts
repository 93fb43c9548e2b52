/** The columnar store an enclave's database has (none on the SQLite engine), and the import's hooks into it. */
import type { Db } from '../store/db';
import type { ColumnarStore } from './columnar-store';
import { failureKind } from './duckdb-api';
import type { SnapshotWriter, StoredColumn } from './snapshot-writer';

const stores = new WeakMap<Db, ColumnarStore>();

export function registerColumnar(db: Db, store: ColumnarStore): void {
  stores.set(db, store);
}

export function unregisterColumnar(db: Db): void {
  stores.delete(db);
}

export function columnarOf(db: Db): ColumnarStore | undefined {
  return stores.get(db);
}

/**
 * A writer for the columnar copy of a snapshot about to be inserted, when the database has a
 * columnar store; a store that cannot start one leaves the import to SQLite alone.
 */
export async function startCopy(db: Db, dataset: string, version: number, columns: StoredColumn[]): Promise<SnapshotWriter | undefined> {
  const store = stores.get(db);
  if (!store) return undefined;
  try {
    return await store.writer(dataset, version, columns);
  } catch (e) {
    store.logLine(`columnar copy of dataset ${dataset} snapshot ${version} not started: ${failureKind(e)}`);
    return undefined;
  }
}

/** After SQLite committed the snapshot: the copy becomes the snapshot's, or is removed (reads then use SQLite's rows). Never throws. */
export async function publishCopy(db: Db, writer: SnapshotWriter | undefined, digest: string): Promise<void> {
  const store = stores.get(db);
  if (!writer || !store) return;
  try {
    await store.publish(writer, digest);
  } catch (e) {
    store.logLine(`columnar copy of dataset ${writer.dataset} snapshot ${writer.version} not kept: ${failureKind(e)}`);
    await writer.abort().catch(() => undefined);
  }
}

/** The import did not commit: its copy goes too. */
export async function abandonCopy(writer: SnapshotWriter | undefined): Promise<void> {
  await writer?.abort().catch(() => undefined);
}
