/**
 * What platform reads keep for the next read of the same snapshot: encrypted-label sessions open
 * again and again on one snapshot and upload, and every read of SQLite's rows parses every row.
 */
import { createHash } from 'node:crypto';
import { JointlabError } from '../../lab/errors';
import type { DatasetMeta } from '../../lab/api/datasets';
import { Db } from '../store/db';
import { datasetCells, getDatasetMeta, snapshotKey } from './datasets';

export interface SnapshotCells {
  byId: Map<string, string[]>;
  types: ('numeric' | 'categorical')[];
  meta: DatasetMeta;
}

/** Snapshots kept per database (the latest used first out), and the largest kept: a platform of millions is read per call, not held. */
const KEPT_SNAPSHOTS = 2;
const KEPT_ROWS = 1_000_000;
const kept = new WeakMap<Db, Map<string, Promise<SnapshotCells>>>();

/**
 * The columns of the dataset's latest snapshot, every row. Stored rows never change after import (an
 * import makes a new snapshot, with a new key), so a snapshot read once serves every later call.
 */
async function latestCells(db: Db, dataset: string, columns: string[]): Promise<SnapshotCells> {
  const meta = await getDatasetMeta(db, dataset);
  if (!meta) throw new JointlabError('not_found', `dataset "${dataset}" no longer exists`, 'not_found');
  const cache = kept.get(db) ?? new Map<string, Promise<SnapshotCells>>();
  kept.set(db, cache);
  const key = [snapshotKey(meta), ...columns].join('\u0000');
  const known = cache.get(key);
  if (known) {
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  const read = datasetCells(db, dataset, columns);
  // Kept at once, so that a read starting while this one runs (a session opening while its job's design is prepared) waits for it.
  cache.set(key, read);
  for (const old of cache.keys()) {
    if (cache.size <= KEPT_SNAPSHOTS) break;
    cache.delete(old);
  }
  const forget = (): void => {
    if (cache.get(key) === read) cache.delete(key);
  };
  read.catch(forget);
  const cells = await read;
  // Dropped again when an import came between the two reads (what was read is another snapshot) or when it is too large to hold.
  if (snapshotKey(cells.meta) !== snapshotKey(meta) || cells.byId.size > KEPT_ROWS) forget();
  return cells;
}

/** The kept cells with the dataset's policy (k, consent) as it stands now: the steward may change it between reads of one snapshot. */
export async function keptCells(db: Db, dataset: string, columns: string[]): Promise<SnapshotCells> {
  const cells = await latestCells(db, dataset, columns);
  const meta = await getDatasetMeta(db, dataset);
  return meta && snapshotKey(meta) === snapshotKey(cells.meta) ? { ...cells, meta } : cells;
}

/**
 * The DuckDB engine's join of one id list, kept the same way: a snapshot's copy and an upload never
 * change, so an encrypted-label session on the same upload and snapshot gets the cells it got before
 * without joining again. Only lists up to KEPT_JOIN_IDS ids, the last KEPT_JOINS of them per database.
 */
const KEPT_JOINS = 2;
export const KEPT_JOIN_IDS = 250_000;
const joins = new WeakMap<Db, Map<string, Promise<Map<string, string[]>>>>();

/** What names a join: the snapshot's copy (dataset, version, content digest), the columns and the ids in order. */
export function joinKey(snapshot: { dataset: string; version: number; digest: string }, columns: string[], ids: readonly string[]): string {
  const h = createHash('sha256');
  for (const id of ids) h.update(id).update('\u0000');
  return [snapshot.dataset, snapshot.version, snapshot.digest, ...columns, h.digest('hex')].join('\u0000');
}

/** The kept join, or the one being read (a session opening while its job's design is prepared waits for it). */
export function keptJoin(db: Db, key: string): Promise<Map<string, string[]>> | undefined {
  const cache = joins.get(db);
  const known = cache?.get(key);
  if (known) {
    cache!.delete(key);
    cache!.set(key, known);
  }
  return known;
}

/** Keeps a join from the start of its read; one that fails is forgotten (its waiters then read for themselves). */
export function keepJoin(db: Db, key: string, byId: Promise<Map<string, string[]>>): void {
  const cache = joins.get(db) ?? new Map<string, Promise<Map<string, string[]>>>();
  joins.set(db, cache);
  cache.set(key, byId);
  byId.catch(() => cache.get(key) === byId && cache.delete(key));
  for (const old of cache.keys()) {
    if (cache.size <= KEPT_JOINS) break;
    cache.delete(old);
  }
}
