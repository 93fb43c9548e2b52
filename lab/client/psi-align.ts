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
import { matchingPositions, pointKeys } from '../psi/match';
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
    const sent = permute(options.ids, randomPermutation(n));
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
    const doubledPlatform: Buffer[] = new Array(platformRanges.length);
    const fetchPlatform = inParallel(platformRanges.length, IN_FLIGHT, async (i) => {
      const got = await client.send('GET', `${base}/platform/${i}`, {}, traffic);
      const { from, to } = platformRanges[i];
      if (got.length !== (to - from) * POINT_BYTES) throw new JointlabError('psi_bad_answer', 'the enclave answered a chunk of the wrong size', 'server');
      doubledPlatform[i] = await pool.blind(got, scalar, tick).catch((e: unknown) => {
        if (e instanceof SmallOrderPoint) throw new JointlabError('psi_bad_answer', 'the enclave sent a small-order point', 'server');
        throw e;
      });
    });
    await Promise.all([sendOwn, fetchPlatform]);

    // Both sets are now blinded by both scalars: equal points are equal ids.
    const platformKeys = new Set<string>();
    for (const chunk of doubledPlatform) for (const key of pointKeys(chunk)) platformKeys.add(key);
    const found = new Set(matchingPositions(doubledBank, platformKeys).map((i) => sent[i]));

    await inParallel(platformRanges.length, IN_FLIGHT, async (i) => {
      await client.send('POST', `${base}/platform/${i}`, { points: doubledPlatform[i] }, traffic);
    });
    const finish = await client.request<PsiFinish>('POST', `${base}/finish`, {}, traffic);
    if (finish.intersection !== found.size) {
      throw new JointlabError('psi_disagree', `the enclave counts ${finish.intersection} ids in common, this side ${found.size}`, 'server');
    }
    const view = await client.request<PsiSessionView>('GET', base, {}, traffic);
    return { session: view, matched: options.ids.filter((id) => found.has(id)), traffic, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } catch (e) {
    // The session's secrets should not wait for the idle limit; a failure to close it changes nothing.
    await client.send('DELETE', base).catch(() => undefined);
    throw e;
  } finally {
    if (!options.pool) await pool.close();
  }
}
