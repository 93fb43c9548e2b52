/**
 * Encrypted-label training over an open HE session: the bank's encrypted labels in, Enc(X^T y)
 * computed once, then Newton rounds whose encrypted answers only the bank can read.
 */
import { JointlabError } from '../../lab/errors';
import { decodeFrames } from '../../lab/he/frames';
import { ParamSetName, slotsOf } from '../../lab/he/params';
import { JobSpec } from '../../lab/spec/job-spec';
import { assertHeSettings } from '../../lab/spec/he-spec';
import { inverseSpd } from '../../models/linalg';
import { Db } from '../store/db';
import { TrainingDesign, trainingDesign } from './design';
import { DEFAULT_FLOOD } from './enclave-crypto';
import { noiseInputsOf, roundFlood, roundPieces } from './round-noise';
import { reportedRoundFlood } from '../release/training-flood';
import { xtyCiphertexts } from './training-crypto';
import { checkKeyBytes, encryptedXtyShared, floodZeros, inSharedMemory, keepTotalsAhead, labelZerosAhead, newtonRound } from './seal-pool';
import { labelsEnvelope } from './labels-envelope';
import { OpenSession, SessionHead, countTraffic, dropGaloisKeys, forgetSession, hasGaloisKeys, onSessionClosed, sessionGaloisKeys } from './session-store';
import { sessionTotals, storeTotals } from './training-totals';
import { addTrainingSeconds, trainingTimed } from './training-steps';
import { HE_DELTA, LABEL_CHECK, MAX_ROUND_WEIGHT, averagedRoundStd, clipNorm, clipRows, noisedGradient, roundNoiseStd } from '../release/he-rounds';
import type { FloodReport, RoundPrivacy } from '../../lab/api/he-sessions';

/** Plaintext designs are rebuilt from the store on first use after a restart, then kept per session. */
const designs = new Map<string, TrainingDesign>();
onSessionClosed((id) => designs.delete(id));

/**
 * The floods of a session's next rounds, each one round's fresh encryption of zero (its sampled
 * polynomial is drawn in the round) made by a SEAL worker while the bank decrypts earlier answers,
 * oldest first. Each is taken by exactly one round (a round that finds none makes its own); dropped on close.
 */
const nextFloods = new Map<string, Promise<Uint8Array[] | undefined>[]>();
onSessionClosed((id) => nextFloods.delete(id));

/**
 * Each open session's label blocks' encryptions of zero (rerandomize.ts), made by the SEAL workers from
 * the session's opening while the bank encrypts its labels; taken by its labels request, once.
 */
const labelZeros = new Map<string, Promise<Uint8Array[] | undefined>>();
onSessionClosed((id) => labelZeros.delete(id));

/** Starts making a new training session's label zeros (a failure only costs the head start: the fold makes its own). */
export function prepareLabelZeros(id: string, paramSet: ParamSetName, publicKey: Uint8Array, uploadRows: number): void {
  labelZeros.set(id, labelZerosAhead(paramSet, publicKey, Math.ceil(uploadRows / slotsOf(paramSet))).catch(() => undefined));
}

function takeLabelZeros(id: string): Promise<Uint8Array[] | undefined> {
  const ahead = labelZeros.get(id);
  labelZeros.delete(id);
  return ahead ?? Promise.resolve(undefined);
}

/** Rounds whose floods are made ahead: two, so that a round never waits for the one its predecessor started. */
const FLOODS_AHEAD = 2;

/**
 * Floods made while Enc(X^T y) is summed, on the worker the sum leaves idle: the bank's client asks
 * four rounds in all (three single, then the rest averaged; lab/he/protocols.ts newtonSettled), whose
 * floods were otherwise made between its requests, each taking a worker for about 16 ms at n16384.
 */
const FLOODS_WHILE_SUMMING = 4;

function prepareFloods(row: SessionHead, publicKey: Uint8Array, roundsLeft: number, ahead = FLOODS_AHEAD): void {
  const queue = nextFloods.get(row.id) ?? [];
  // A failure here costs nothing but the head start: the round then floods with zeros of its own.
  while (queue.length < Math.min(ahead, roundsLeft)) queue.push(floodZeros(row.param_set, publicKey, DEFAULT_FLOOD).catch(() => undefined));
  nextFloods.set(row.id, queue);
}

function takeFlood(id: string): Promise<Uint8Array[] | undefined> {
  return nextFloods.get(id)?.shift() ?? Promise.resolve(undefined);
}

/** The design as a session's rounds use it: rows clipped to the rounds' norm (release/he-rounds.ts clipRows). */
export function clippedDesign(design: TrainingDesign): TrainingDesign {
  return { ...design, ...clipRows(design.aligned, design.matched, clipNorm(design.aligned.length)) };
}

/** Keeps a session's clipped design for its labels and rounds. */
export function rememberDesign(id: string, clipped: TrainingDesign): TrainingDesign {
  designs.set(id, clipped);
  return clipped;
}

export async function sessionDesign(db: Db, row: SessionHead, spec: JobSpec): Promise<TrainingDesign> {
  return designs.get(row.id) ?? rememberDesign(row.id, clippedDesign(await trainingDesign(db, spec, row.org)));
}

/** What the session's rounds disclose, for the bank to plan its rounds by (nothing in it depends on the data). */
export function roundPrivacy(spec: JobSpec, columns: number, enclaveCap: number): RoundPrivacy {
  const he = assertHeSettings(spec);
  const rounds = sessionRounds(spec, enclaveCap);
  const clip = clipNorm(columns);
  return { epsilon: he.epsilon, delta: HE_DELTA, rounds, clip, noiseStd: roundNoiseStd(he.epsilon, rounds, clip), maxWeight: MAX_ROUND_WEIGHT };
}

/** The job's l2, checked against its documented range again at use. */
export function trainingL2(spec: JobSpec): number {
  return assertHeSettings(spec).l2;
}

/** Decrypted rounds a session allows: the job's bounded setting, under the enclave's own cap. */
export function sessionRounds(spec: JobSpec, enclaveCap: number): number {
  return Math.min(enclaveCap, assertHeSettings(spec).rounds);
}

/** Enc(X^T y) from the bank's encrypted labels, computed once and kept for the rounds. */
export async function receiveLabels(db: Db, session: OpenSession, body: Buffer): Promise<{ seconds: number }> {
  const { row } = session;
  // Asked again after the lookup: another labels request may have started while it waited.
  if (labelsInFlight.has(row.id) || (await sessionTotals(db, row.id)) || labelsInFlight.has(row.id)) throw new JointlabError('labels_exist', 'the labels of this session were sent already', 'conflict');
  labelsInFlight.add(row.id);
  try {
    return await computeXty(db, session, body);
  } catch (e) {
    // Floods made under a key that came with refused labels (or labels whose totals were not kept) go with it.
    nextFloods.delete(row.id);
    throw e;
  } finally {
    labelsInFlight.delete(row.id);
  }
}

/** Sessions whose Enc(X^T y) is being computed: a second labels request meanwhile is the same conflict as one after it. */
const labelsInFlight = new Set<string>();

async function computeXty(db: Db, session: OpenSession, body: Buffer): Promise<{ seconds: number }> {
  const { row, spec } = session;
  const { header, blobs } = decodeFrames<{ relinKeys?: unknown; publicKey?: unknown; galoisKeys?: unknown }>(body);
  const sent = labelsEnvelope(header, blobs);
  // Each key once per session: with the opening or with the labels.
  if (sent.publicKey && row.public_key!.length > 0) throw new JointlabError('public_key_sent', 'this session received its public key when it opened; send the labels without it', 'usage');
  if (!sent.publicKey && row.public_key!.length === 0) throw new JointlabError('public_key_missing', 'this session opened without a public key: send it with the labels, after the relinearization keys, with "publicKey": true in the header', 'usage');
  if (sent.galoisKeys && hasGaloisKeys(row.id)) throw new JointlabError('galois_keys_sent', 'this session received its Galois keys when it opened; send the labels without them', 'usage');
  // A session that opened on no key gets both with its labels (the Galois keys come with the public key, or after it).
  if (!sent.galoisKeys && row.public_key!.length === 0) {
    throw new JointlabError('galois_keys_missing', 'this session opened without keys: send the Galois keys with the labels, after the public key, with "galoisKeys": true in the header', 'usage');
  }
  // Blobs sent as they are view the request's body: what is kept or handed to the SEAL workers gets bytes
  // of its own (a worker message clones a view's whole buffer; a kept view would keep the body).
  const publicKey = sent.publicKey ? inSharedMemory(sent.publicKey) : row.public_key!;
  if (sent.publicKey) await checkKeyBytes(row.param_set, publicKey, new Uint8Array(0), false);
  const design = await sessionDesign(db, row, spec);
  const started = process.hrtime.bigint();
  // Checked byte by byte for every declared step before any SEAL work (seal-pool.ts encryptedXtyShared).
  const galoisKeys = sent.galoisKeys ? inSharedMemory(sent.galoisKeys) : sessionGaloisKeys(row);
  // Made since the opening when the public key came with it; otherwise each fold makes its own.
  const zeros = await trainingTimed('zeros', () => takeLabelZeros(row.id));
  // The rounds' floods are made under this public key while the sum runs; labels refused drop them with the key (receiveLabels).
  const maxRounds = sessionRounds(spec, Infinity);
  const xty = await trainingTimed('xty', () =>
    encryptedXtyShared(
      { paramSet: row.param_set, publicKey, galoisKeys, labels: sent.labels.map(inSharedMemory), columns: design.aligned, relinKeys: inSharedMemory(sent.relinKeys), ...(zeros ? { zeros } : {}) },
      slotsOf(row.param_set),
      () => prepareFloods(row, publicKey, maxRounds - row.rounds, FLOODS_WHILE_SUMMING),
    ),
  );
  // Kept, and written once in a row of its own when the session is idle (training-totals.ts): the rounds
  // update only the session's counters. A public key sent now is kept and written with them, once
  // Enc(X^T y) is computed under it: labels refused before then may be sent again, keys and all.
  const kept = await trainingTimed('totals', () => storeTotals(db, row.id, xty, sent.publicKey ? publicKey : undefined));
  await dropGaloisKeys(db, row);
  await countTraffic(db, row.id, body.length, 0);
  // A session closed while its labels were computed (marked closed, then forgotten: sessions.ts close,
  // session-store.ts closeSessionsOfJob) drops what was just kept; closed after this look, its
  // forgetting comes after the state kept below. Nothing is awaited between the look and that state.
  const { closed_at } = (await db.get<{ closed_at: string | null }>('SELECT closed_at FROM he_sessions WHERE id = ?', [row.id]))!;
  if (closed_at) {
    forgetSession(row.id);
    throw new JointlabError('session_closed', 'the HE session closed while its labels were computed', 'conflict');
  }
  // Idle until the first round: the workers load the totals meanwhile (a failure costs the head start only); the floods were made during the sum.
  void keepTotalsAhead(row.param_set, kept.ciphertexts, kept.key).catch(() => undefined);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

const roundLimit = (maxRounds: number, average: number): JointlabError =>
  new JointlabError('round_limit', `this key has had its ${maxRounds} decrypted rounds${average > 1 ? ` or has fewer than the ${average} this request averages left` : ''}; open a new session with a new key`, 'conflict');

/**
 * One Newton round at the weights the bank sends; answers Enc(new weights), flooded. With `average`
 * k, the answer is k rounds' mean at these weights, charged k rounds (enclave/release/he-rounds.ts
 * averagedRoundStd): the SEAL work of one.
 */
export async function newtonRoundOf(db: Db, session: OpenSession, weights: number[], maxRounds: number, average = 1): Promise<{ cipher: Uint8Array; flood: FloodReport; round: number }> {
  const { row, spec } = session;
  const stored = await sessionTotals(db, row.id);
  if (!stored) throw new JointlabError('no_labels', 'send the encrypted labels first', 'conflict');
  maxRounds = sessionRounds(spec, maxRounds);
  if (row.rounds + average > maxRounds) throw roundLimit(maxRounds, average);
  const design = await sessionDesign(db, row, spec);
  const D = design.names.length;
  if (weights.length !== D || !weights.every(Number.isFinite)) throw new JointlabError('schema_violation', `send ${D} finite weights (the design's columns, the intercept last)`, 'usage');
  if (weights.some((w) => Math.abs(w) > MAX_ROUND_WEIGHT)) throw new JointlabError('weight_out_of_range', `round weights must lie within ±${MAX_ROUND_WEIGHT}`, 'usage');
  if (stored.ciphertexts.length !== xtyCiphertexts(D)) throw new JointlabError('no_label_check', 'this session holds no label check; open a new session', 'conflict');
  const privacy = roundPrivacy(spec, D, maxRounds);
  const started = process.hrtime.bigint();
  const { hessian, gradient } = roundPieces(design, weights, trainingL2(spec));
  // The round's noise goes into v = g - X^T y before H^-1, in the clear part: no change to the ciphertexts.
  const noisy = noisedGradient(gradient, averagedRoundStd(privacy.noiseStd, average));
  const matrix = inverseSpd(hessian, D);
  const offset = Float64Array.from(weights, (w, k) => {
    let step = 0;
    for (let j = 0; j < D; j++) step += matrix[k * D + j] * noisy[j];
    return w - step;
  });
  const { freshL2, inputL1, columnL2 } = noiseInputsOf(design, slotsOf(row.param_set));
  addTrainingSeconds('pieces', started);
  // The round is charged before it is computed, atomically: concurrent requests cannot get more decrypted rounds than the noise was composed over.
  const reserved = await db.run('UPDATE he_sessions SET rounds = rounds + ? WHERE id = ? AND rounds + ? <= ?', [average, row.id, average, maxRounds]);
  if (reserved.changes === 0) throw roundLimit(maxRounds, average);
  // The flood's room is plain arithmetic, checked before any SEAL work, but after the charge: whether a
  // round at weights the bank chose can be flooded is a yes or no computed from the rows, so a refused
  // round counts against the session's rounds as an answered one does (uncharged, a bank could ask it
  // at as many weights as it liked). A refused average is that one yes or no, charged one round; the
  // room for all k was asked first, so whether the limit answers does not depend on the refusal.
  try {
    roundFlood(design, row.param_set, matrix, trainingL2(spec));
  } catch (e) {
    if (average > 1) await db.run('UPDATE he_sessions SET rounds = rounds - ? WHERE id = ?', [average - 1, row.id]);
    throw e;
  }
  const zeros = await takeFlood(row.id);
  const publicKey = stored.publicKey ?? row.public_key!;
  const result = await trainingTimed('round', () => newtonRound({
    paramSet: row.param_set,
    publicKey,
    xty: stored.ciphertexts,
    xtyKey: stored.key,
    matrix,
    offset,
    noise: { freshL2, rows: design.matchedRows, inputL1, columnL2 },
    policy: DEFAULT_FLOOD,
    check: { gain: LABEL_CHECK.gain[row.param_set] },
    ...(zeros ? { zeros } : {}),
  }));
  await countTraffic(db, row.id, 0, result.cipher.length);
  const { rounds, closed_at } = (await db.get<{ rounds: number; closed_at: string | null }>('SELECT rounds, closed_at FROM he_sessions WHERE id = ?', [row.id]))!;
  // A session closed while this round ran has dropped its queue already: floods queued now would wait for good.
  if (!closed_at) prepareFloods(row, publicKey, maxRounds - rounds);
  return { ...result, flood: reportedRoundFlood(DEFAULT_FLOOD, result.flood), round: rounds };
}
