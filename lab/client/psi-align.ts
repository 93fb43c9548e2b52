/**
 * The bank's side of ECDH-PSI against a running enclave: its ids go out hashed, blinded under a
 * fresh scalar and shuffled; the enclave's blinded set comes in and goes back blinded again; the
 * bank learns which of its ids are in the dataset, the enclave learns the same intersection and
 * nothing of the other ids. The crypto runs on worker threads while requests are in flight.
 */
import type { PsiFinish, PsiSessionView } from '../api/psi';
import { JointlabError } from '../errors';
import { BlindPool } from '../psi/blind-pool';
import { psiDomain } from '../psi/hash-to-point';
import { PointSet } from '../psi/match';
import { chunkRanges } from '../psi/points';
import { permute, randomPermutation } from '../psi/shuffle';
import { POINT_BYTES, SmallOrderPoint, newScalar } from '../psi/x25519';
import { EnclaveClient, Traffic } from './enclave-client';

export interface AlignOptions {
  dataset: string;
  ids: readonly string[];
  /** Worker threads for the bank's crypto; the pool is closed at the end unless passed in. */
  pool?: BlindPool;
  workers?: number;
  /** Points hashed or blinded so far, of `total` (the bank's ids plus the dataset's size). */
  progress?: (done: number, total: number) => void;
}

export interface Alignment {
  session: PsiSessionView;
  /** The bank's ids found in the dataset, in the order given. */
  matched: string[];
  traffic: Traffic;
  seconds: number;
}

/** Requests of each kind in flight at once: enough to keep both sides' workers busy while bytes travel. */
const IN_FLIGHT = 3;

/** A promise with its settlers, for a chunk one lane makes and another sends. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (e: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A chunk nobody waits for any more (the exchange failed elsewhere) is no unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

async function inParallel(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

export async function alignIds(client: EnclaveClient, options: AlignOptions): Promise<Alignment> {
  const started = process.hrtime.bigint();
  const traffic: Traffic = { up: 0, down: 0 };
  const pool = options.pool ?? new BlindPool(options.workers);
  const n = options.ids.length;
  if (n === 0) throw new JointlabError('empty_table', 'the table has no rows to align', 'usage');
  const session = await client.request<PsiSessionView>('POST', 'v1/psi/sessions', { json: { dataset: options.dataset, points: n } }, traffic);
  const base = `v1/psi/sessions/${encodeURIComponent(session.id)}`;
  try {
    const scalar = newScalar();
    const domain = psiDomain(session.dataset, session.nonce);
    // The enclave sees the blinded points in this order only, so their positions say nothing about the file's order.
    const order = randomPermutation(n);
    const sent = permute(options.ids, order);
    const total = n + session.platformPoints;
    let done = 0;
    const tick = (k: number) => {
      done += k;
      options.progress?.(done, total);
    };

    const bankRanges = chunkRanges(n, session.chunkPoints);
    const doubledBank = Buffer.alloc(n * POINT_BYTES);
    const sendOwn = inParallel(bankRanges.length, IN_FLIGHT, async (i) => {
      const { from, to } = bankRanges[i];
      const blinded = await pool.hashAndBlind(domain, sent.slice(from, to), scalar, tick);
      const back = await client.send('POST', `${base}/points/${i}`, { points: blinded }, traffic);
      if (back.length !== blinded.length) throw new JointlabError('psi_bad_answer', 'the enclave answered a chunk of the wrong size', 'server');
      back.copy(doubledBank, from * POINT_BYTES);
    });

    const platformRanges = chunkRanges(session.platformPoints, session.chunkPoints);
    // Each platform chunk goes back as soon as it is blinded again and every own chunk was answered (the
    // enclave matches only then), and its keys are taken as it comes: no single-threaded tail after the blinding.
    const doubledPlatform = platformRanges.map(() => deferred<Buffer>());
    const platformKeys = new PointSet(session.platformPoints);
    const fetchPlatform = inParallel(platformRanges.length, IN_FLIGHT, async (i) => {
      const got = await client.send('GET', `${base}/platform/${i}`, {}, traffic);
      const { from, to } = platformRanges[i];
      if (got.length !== (to - from) * POINT_BYTES) throw new JointlabError('psi_bad_answer', 'the enclave answered a chunk of the wrong size', 'server');
      const doubled = await pool.blind(got, scalar, tick).catch((e: unknown) => {
        if (e instanceof SmallOrderPoint) throw new JointlabError('psi_bad_answer', 'the enclave sent a small-order point', 'server');
        throw e;
      });
      platformKeys.addAll(doubled);
      doubledPlatform[i].resolve(doubled);
    }).catch((e: unknown) => {
      for (const d of doubledPlatform) d.reject(e);
      throw e;
    });
    const returnPlatform = sendOwn.then(() =>
      inParallel(platformRanges.length, IN_FLIGHT, async (i) => {
        await client.send('POST', `${base}/platform/${i}`, { points: await doubledPlatform[i].promise }, traffic);
      }),
    );
    await Promise.all([sendOwn, fetchPlatform, returnPlatform]);

    // Both sets are now blinded by both scalars: equal points are equal ids.
    // Marked by position in the file's order (the permutation says where each sent point came from), and
    // counted by distinct point as the enclave counts distinct enterprises: a repeated id is one id.
    const inFile = new Uint8Array(n);
    const distinct = new PointSet();
    for (const at of platformKeys.positionsIn(doubledBank)) {
      inFile[order[at]] = 1;
      distinct.add(doubledBank, at * POINT_BYTES);
    }
    const finish = await client.request<PsiFinish>('POST', `${base}/finish`, {}, traffic);
    if (finish.intersection !== distinct.size) {
      throw new JointlabError('psi_disagree', `the enclave counts ${finish.intersection} ids in common, this side ${distinct.size}`, 'server');
    }
    const view = await client.request<PsiSessionView>('GET', base, {}, traffic);
    return { session: view, matched: options.ids.filter((_, i) => inFile[i] === 1), traffic, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } catch (e) {
    // The session's secrets should not wait for the idle limit; a failure to close it changes nothing.
    await client.send('DELETE', base).catch(() => undefined);
    throw e;
  } finally {
    if (!options.pool) await pool.close();
  }
}
