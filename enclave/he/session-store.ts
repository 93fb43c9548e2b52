/**
 * The stored side of HE sessions: a bank's keys and ciphertexts bound to one HE job and one
 * principal, looked up for that principal only, counted as bytes and rounds, and deleted on close.
 */
import { JointlabError } from '../../lab/errors';
import { ParamSetName } from '../../lab/he/params';
import { JobSpec } from '../../lab/spec/job-spec';
import type { Principal } from '../../lab/api/principals';
import { JobRow, visibleJob } from '../jobs/jobs';
import { Db, Queries } from '../store/db';
import { decodeJob } from '../jobs/decode';

export interface HeSettings {
  /** Decrypted rounds allowed per key: every answer the bank decrypts tells it something. */
  maxRounds: number;
  maxScoreIds: number;
  minTrainingRows: number;
}

export const DEFAULT_HE_SETTINGS: HeSettings = { maxRounds: 30, maxScoreIds: 100_000, minTrainingRows: 100 };

export interface SessionRow {
  id: string;
  job: string;
  owner: string;
  org: string;
  param_set: ParamSetName;
  public_key: Buffer | null;
  galois_keys: Buffer | null;
  xty: Buffer | null;
  coefficients: Buffer | null;
  rounds: number;
  bytes_in: number;
  bytes_out: number;
  created_at: string;
  closed_at: string | null;
}

/** A session row without its keys and ciphertexts: what a scoring request reads (see openSessionHead). */
export type SessionHead = Omit<SessionRow, 'public_key' | 'galois_keys' | 'xty' | 'coefficients'>;

/** An open session with its job, as the protocol use cases receive it. */
export interface OpenSession<R extends SessionHead = SessionRow> {
  row: R;
  job: JobRow;
  spec: JobSpec;
}

function ownRow<R extends SessionHead>(row: R | undefined, viewer: Principal): R {
  // Sessions belong to the principal that opened them; anyone else is told it does not exist.
  if (!row || row.owner !== viewer.id) throw new JointlabError('not_found', 'no such HE session', 'not_found');
  return row;
}

export async function sessionRow(db: Db, id: string, viewer: Principal): Promise<SessionRow> {
  return ownRow(await db.get<SessionRow>('SELECT * FROM he_sessions WHERE id = ?', [id]), viewer);
}

async function openOf<R extends SessionHead>(db: Db, row: R, keyed: boolean, viewer: Principal): Promise<OpenSession<R>> {
  if (row.closed_at || !keyed) throw new JointlabError('session_closed', 'the HE session is closed', 'conflict');
  const job = await visibleJob(db, row.job, viewer);
  if (job.state !== 'running') throw new JointlabError('session_closed', `the session's job is ${job.state}`, 'conflict');
  return { row, job, spec: decodeJob(job).spec };
}

/** The session's row without its keys and ciphertexts (what a session's description reads: the Galois keys alone are megabytes). */
export async function sessionHeadRow(db: Db, id: string, viewer: Principal): Promise<SessionHead> {
  return ownRow(await db.get<SessionHead>('SELECT id, job, owner, org, param_set, rounds, bytes_in, bytes_out, created_at, closed_at FROM he_sessions WHERE id = ?', [id]), viewer);
}

/** The session, if it is still open and its job still running. */
export async function openSession(db: Db, id: string, viewer: Principal): Promise<OpenSession> {
  const row = await sessionRow(db, id, viewer);
  return openOf(db, row, row.public_key !== null, viewer);
}

/**
 * The same checks without reading the keys and ciphertexts: private scoring's requests, many per
 * session, each of which would otherwise copy the session's public key out of the store.
 */
export async function openSessionHead(db: Db, id: string, viewer: Principal): Promise<OpenSession<SessionHead>> {
  const row = ownRow(
    await db.get<SessionHead & { keyed: number }>('SELECT id, job, owner, org, param_set, rounds, bytes_in, bytes_out, created_at, closed_at, public_key IS NOT NULL AS keyed FROM he_sessions WHERE id = ?', [id]),
    viewer,
  );
  const { keyed, ...head } = row;
  return openOf(db, head, keyed === 1, viewer);
}

/** Counts traffic in the session's own small row (he_session_traffic): the session row, which holds the keys, is not rewritten. */
export async function countTraffic(q: Queries, id: string, bytesIn: number, bytesOut: number, round = 0): Promise<void> {
  await q.run(
    'INSERT INTO he_session_traffic (session, bytes_in, bytes_out) VALUES (?, ?, ?) ON CONFLICT (session) DO UPDATE SET bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out',
    [id, bytesIn, bytesOut],
  );
  if (round) await q.run('UPDATE he_sessions SET rounds = rounds + ? WHERE id = ?', [round, id]);
}

/** Bytes in and out of a session: those counted at opening (on its row) and since (countTraffic). */
export async function sessionTraffic(db: Db, row: SessionHead): Promise<{ in: number; out: number }> {
  const since = await db.get<{ bytes_in: number; bytes_out: number }>('SELECT bytes_in, bytes_out FROM he_session_traffic WHERE session = ?', [row.id]);
  return { in: row.bytes_in + (since?.bytes_in ?? 0), out: row.bytes_out + (since?.bytes_out ?? 0) };
}

/** Per-session state kept in memory (rebuilt from the store after a restart); dropped when a session closes. */
const forgetters: ((id: string) => void)[] = [];

export function onSessionClosed(forget: (id: string) => void): void {
  forgetters.push(forget);
}

export function forgetSession(id: string): void {
  for (const forget of forgetters) forget(id);
}

/**
 * A training session's Galois keys, held in memory from its opening until Enc(X^T y) is computed and
 * never written to the store: megabytes used once, seconds after they arrive (writing them into the
 * session's row, reading them back and clearing them took about 0.1 s of a session). A restart in
 * between loses them, and the labels are then refused (`keys_lost`): the bank closes the session and trains again.
 * One session per approved job holds them, so the memory is bounded by what stewards approved.
 */
const galoisKeys = new Map<string, Uint8Array>();
onSessionClosed((id) => galoisKeys.delete(id));

/** `keys` in shared memory (seal-pool.ts inSharedMemory), so that every SEAL worker they are sent to shares them. */
export function keepGaloisKeys(id: string, keys: Uint8Array): void {
  galoisKeys.set(id, keys);
}

/** Whether the session's Galois keys came with its opening and are held. */
export function hasGaloisKeys(id: string): boolean {
  return galoisKeys.has(id);
}

/** The session's Galois keys (a row written before they were kept in memory still has them), or a 409. */
export function sessionGaloisKeys(row: SessionRow): Uint8Array {
  const keys = galoisKeys.get(row.id) ?? row.galois_keys;
  if (!keys) {
    throw new JointlabError(
      'keys_lost',
      'this session holds no Galois keys: none came with its opening, or the enclave restarted since; send them with the labels, after the relinearization keys (and the public key, when sent), with "galoisKeys": true in the header',
      'conflict',
    );
  }
  return keys;
}

/** Enc(X^T y) is computed: the rounds rotate nothing, so the Galois keys go. */
export async function dropGaloisKeys(db: Db, row: SessionRow): Promise<void> {
  galoisKeys.delete(row.id);
  if (row.galois_keys) await db.run('UPDATE he_sessions SET galois_keys = NULL WHERE id = ?', [row.id]);
}

/**
 * Deletes the keys and ciphertexts of every open session of a job that ended some other way (cancelled,
 * failed). Marked closed first, then forgotten: a request still computing for one of them (labels)
 * looks at closed_at after it keeps its state, so whichever comes second drops that state.
 */
export async function closeSessionsOfJob(db: Db, jobId: string): Promise<void> {
  const open = await db.all<{ id: string }>('SELECT id FROM he_sessions WHERE job = ? AND closed_at IS NULL', [jobId]);
  if (!open.length) return;
  const ids = JSON.stringify(open.map((r) => r.id));
  await db.run('UPDATE he_sessions SET public_key = NULL, galois_keys = NULL, xty = NULL, coefficients = NULL, closed_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND closed_at IS NULL', [new Date().toISOString(), ids]);
  for (const { id } of open) forgetSession(id);
  await db.run('DELETE FROM he_training_totals WHERE session IN (SELECT value FROM json_each(?))', [ids]);
  await db.run('DELETE FROM he_score_models WHERE session IN (SELECT value FROM json_each(?))', [ids]);
}
