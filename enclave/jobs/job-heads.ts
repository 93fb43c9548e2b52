/** Job heads kept in memory between writes to the store, with the view bodies drawn from them, for the job view that clients poll. */
import type { Db } from '../store/db';

/**
 * A job's row without its result, as the view reads it. Every change to a job goes through the
 * enclave's one connection (transitions, progress, results), which counts its writes: an entry read
 * while that count stood where it stands now is what the table holds. Only found rows are kept (a
 * probe for ids that do not exist takes no memory), at most this many, oldest out first.
 */
const MAX_ENTRIES = 1024;

export interface KeptHead<T> {
  head: T;
  /** What callers drew from this head (a view's JSON body per kind of viewer), dropped with it. */
  drawn: Map<string, string>;
}

const caches = new WeakMap<Db, Map<string, KeptHead<unknown> & { writes: number }>>();

/** `read` answers for the row when none is kept from since the last write. */
export async function keptJobHead<T>(db: Db, id: string, read: () => Promise<T | undefined>): Promise<KeptHead<T> | undefined> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  // Taken before the read is issued: a write issued meanwhile moves the count past it, so the entry is read again next time.
  const writes = db.writeCount;
  const kept = cache.get(id);
  if (kept && kept.writes === writes) return kept as KeptHead<T>;
  const head = await read();
  if (head === undefined) return undefined;
  const entry = { writes, head, drawn: new Map<string, string>() };
  cache.delete(id);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(id, entry);
  return entry;
}
