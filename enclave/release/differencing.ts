/**
 * The differencing control: the enclave keeps, inside, a fingerprint of every released job's
 * population (sorted keyed hashes of the joined enterprise ids, and of all the ids the bank sent) and
 * withholds a job of the same organization on overlapping platform columns whose population is
 * within k - 1 enterprises of one already released, unless the bank sent exactly the same ids.
 */
import { createHash, createHmac } from 'node:crypto';
import { HmacPrefix } from './hmac-prefix';
import { Db, Queries } from '../store/db';

/** Bytes of each id's keyed hash: 2^-64 collisions are far below any k. */
const HASH_BYTES = 8;

/** What the control compares: who was joined, and what the bank asked with. */
export interface PopulationPrint {
  org: string;
  dataset: string;
  /** Platform columns the job reads; only jobs sharing one are compared. */
  columns: string[];
  /** Sorted keyed hashes of every id the bank sent (on the platform or not), HASH_BYTES each. */
  uploaded: Buffer;
  /** Sorted keyed hashes of the joined enterprise ids with their role (train or test), HASH_BYTES each. */
  ids: Buffer;
}

/**
 * What the joined population is compared by: each id with the part it lands in, so that moving one
 * enterprise from the test rows to the training rows (the bank's own split column can) counts as a
 * difference, as adding or removing it does.
 */
export function withRoles(ids: readonly string[], train: ArrayLike<number>): string[] {
  const inTrain = new Uint8Array(ids.length);
  for (let i = 0; i < train.length; i++) inTrain[train[i]] = 1;
  return ids.map((id, i) => `${id}\u0000${inTrain[i] ? 'train' : 'test'}`);
}

/**
 * Sorted, de-duplicated keyed hashes of the ids: the fingerprint kept for later jobs to be compared
 * with. Hashing yields to the event loop every few thousand ids, so the API keeps answering while a
 * large population is fingerprinted.
 */
export async function fingerprintIds(secret: Buffer, ids: Iterable<string>): Promise<Buffer> {
  const hmac = new HmacPrefix(createHmac('sha256', secret).update('population-ids').digest());
  const unique = [...new Set(ids)];
  // Each hash's first 8 bytes as a big-endian number: sorted as numbers they are in Buffer.compare's
  // byte order, sorted natively instead of by a comparison call per pair (most of the time at 200,000 ids).
  const prefixes = new BigUint64Array(unique.length);
  for (let start = 0; start < unique.length; start += 2000) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    const end = Math.min(unique.length, start + 2000);
    for (let i = start; i < end; i++) prefixes[i] = hmac.prefix(unique[i]);
  }
  prefixes.sort();
  const out = Buffer.alloc(prefixes.length * HASH_BYTES);
  for (let i = 0; i < prefixes.length; i++) out.writeBigUInt64BE(prefixes[i], i * HASH_BYTES);
  return out;
}

/** A digest of any strings, in order, for the request and noise keys: each part's UTF-8 bytes, then a zero byte. */
export function digestOf(parts: Iterable<string>): string {
  const all = Array.isArray(parts) ? (parts as string[]) : [...parts];
  // One update for the whole list (two per part cost about 10 ms per 10,000 ids), the same bytes as part
  // by part: the zero after each part keeps a lone surrogate from pairing with the next part's, so each
  // part's UTF-8 is what it is alone (a lone surrogate is EF BF BD either way; tested).
  return createHash('sha256').update(all.length ? `${all.join('\u0000')}\u0000` : '').digest('hex');
}

/** Size of the symmetric difference of two fingerprints, counted up to `stopAt`. */
export function differenceSize(a: Buffer, b: Buffer, stopAt = Infinity): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while ((i < a.length || j < b.length) && d < stopAt) {
    if (i >= a.length) {
      j += HASH_BYTES;
      d++;
      continue;
    }
    if (j >= b.length) {
      i += HASH_BYTES;
      d++;
      continue;
    }
    const c = Buffer.compare(a.subarray(i, i + HASH_BYTES), b.subarray(j, j + HASH_BYTES));
    if (c === 0) {
      i += HASH_BYTES;
      j += HASH_BYTES;
    } else if (c < 0) {
      i += HASH_BYTES;
      d++;
    } else {
      j += HASH_BYTES;
      d++;
    }
  }
  return d;
}

/** The one reason, the same whether the populations differ by none or by k - 1: which of the two it is would say who joined. */
export function differencingReason(earlier: string, k: number): string {
  return `differencing control: the population is within ${k - 1} enterprises of the one of released job ${earlier}; figures of the two could be subtracted down to single enterprises`;
}

/**
 * The reason to withhold `print`, or undefined. Withheld when an earlier release of the same
 * organization on the same dataset and an overlapping platform column has a joined population that
 * differs by fewer than k enterprises, and the bank did not send exactly the same ids. That includes
 * a joined difference of none: a bank that adds one id (or one id and k ids it knows are not on the
 * platform) must not learn from released-or-withheld whether that id joined. The same ids again (a
 * new spec, or an upload with other columns for the same customers) pass.
 */
export async function differencingCheck(db: Db, print: PopulationPrint, k: number): Promise<string | undefined> {
  const earlier = await db.all<{ subject: string; columns: string; uploaded: Buffer; ids: Buffer }>(
    'SELECT subject, columns, uploaded, ids FROM released_populations WHERE org = ? AND dataset = ? ORDER BY created_at',
    [print.org, print.dataset],
  );
  for (const e of earlier) {
    const columns = JSON.parse(e.columns) as string[];
    if (!columns.some((c) => print.columns.includes(c))) continue;
    const d = differenceSize(print.ids, e.ids, k);
    if (d === 0 && print.uploaded.equals(e.uploaded)) continue;
    if (d < k) return differencingReason(e.subject, k);
  }
  return undefined;
}

/** Keeps a released job's (or an opened HE training session's) fingerprint; `subject` names it in later reasons. */
export async function recordPopulation(q: Queries, subject: string, print: PopulationPrint): Promise<void> {
  await q.run('INSERT OR REPLACE INTO released_populations (subject, org, dataset, columns, uploaded, ids, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    subject,
    print.org,
    print.dataset,
    JSON.stringify(print.columns),
    print.uploaded,
    print.ids,
    new Date().toISOString(),
  ]);
}
