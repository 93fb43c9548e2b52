/**
 * The bank's side of the two HE protocols over the enclave API: encrypted-label training (Newton
 * rounds whose new weights come back encrypted under the bank's key) and private-model scoring.
 */
import { EnclaveClient, Traffic } from '../client/enclave-client';
import { JointlabError } from '../errors';
import { ModelFile } from '../../models/model';
import { sigmoid } from '../../models/linalg';
import { decodeFrames, encodeFrames } from './frames';
import { KeyedLabels, alignLabels } from './label-alignment';
import { ParamSetName } from './params';
import { TrainingKeys } from './training-keys';
import { packSeal } from './seal-pack';
import { DecryptedScores, HeScoringSession, ScoringSteps, reportFailure } from './scoring-session';
import type { LabelsAnswer, RoundHeader, SessionInfo } from '../api/he-sessions';
import type { ScoreAnswer } from '../api/scoring';

/**
 * Asks for the session before any key exists: the enclave builds and checks the design while this
 * process starts SEAL and makes the keys, which go with the labels. `written` resolves once the
 * request is in the socket, before the key generation blocks this thread.
 */
function openSession(client: EnclaveClient, job: string, paramSet: ParamSetName, traffic: Traffic): { written: Promise<void>; info: Promise<SessionInfo> } {
  const { written, answer } = client.sendEarly('POST', 'v1/he/sessions', { frames: encodeFrames({ job, paramSet }, [new Uint8Array(0), new Uint8Array(0)]) }, traffic);
  return { written, info: answer.then((bytes) => JSON.parse(bytes.toString('utf8')) as SessionInfo) };
}

export interface HeTrainOptions {
  client: EnclaveClient;
  job: string;
  paramSet: ParamSetName;
  /** The bank's 0/1 labels by enterprise id, in any order: they are put into the upload's order by id. */
  labels: KeyedLabels;
  tolerance?: number;
  onRound?: (round: number, change: number, floodBits: number) => void;
  /**
   * Keys begun earlier (`trainingKeys`), e.g. while the job waited for its steward: the key generation
   * and the decryption thread's SEAL start are then off the session's clock. heTrain disposes of them.
   */
  keys?: Promise<TrainingKeys>;
}

/** A fresh key set for one encrypted-label training session (public, Galois for the enclave's rotations, relinearization). */
export function trainingKeys(paramSet: ParamSetName): Promise<TrainingKeys> {
  return TrainingKeys.make(paramSet);
}

export interface HeTrainResult {
  model: ModelFile;
  rounds: number;
  converged: boolean;
  /** Of the rounds, those spent after convergence at one set of weights and averaged (see heTrain). */
  averaged: number;
  floodBits: number;
  traffic: Traffic;
  /**
   * Wall seconds: the keys made while the session opens, waited for the opening's
   * answer after that, labels encrypted, keys and labels sent and Enc(X^T y) computed (of which `xty`
   * is the enclave's computation), the rounds, the session closed, in all.
   */
  seconds: { keys: number; open: number; encrypt: number; labels: number; xty: number; rounds: number; close: number; total: number };
}

export async function heTrain(options: HeTrainOptions): Promise<HeTrainResult> {
  const started = Date.now();
  const traffic: Traffic = { up: 0, down: 0 };
  for (const y of Array.from(options.labels.values)) if (y !== 0 && y !== 1) throw new JointlabError('bad_label', 'labels must be 0 or 1', 'validation');
  // The session opens while this thread makes the keys (ring/lean-keys.ts, no SEAL context; a worker
  // thread of its own for the rotation keys was tried when SEAL made them: on a machine the enclave
  // shares it lost more to the second SEAL start than it saved).
  const opening = openSession(options.client, options.job, options.paramSet, traffic);
  // Settled before the keys' first blocking step; a failed opening is reported once the keys are made.
  opening.info.catch(() => undefined);
  await opening.written.catch(async (e: unknown) => {
    // Keys begun earlier are this function's to dispose of, sent or not.
    await (await options.keys?.catch(() => undefined))?.dispose();
    throw e;
  });
  const keys = await (options.keys ?? trainingKeys(options.paramSet)).catch(async (e: unknown) => {
    // The session may be open already: its job is marked failed rather than left running.
    await reportFailure(options.client, await opening.info.then((i) => i.id, () => undefined), e);
    throw e;
  });
  let session: string | undefined;
  try {
    const keysDone = Date.now();
    const info = await opening.info;
    session = info.id;
    const training = info.training!;
    const labels = alignLabels(training.uploadIds, options.labels);
    const { crypto } = keys;
    const blocks: Uint8Array[] = [];
    const opened = Date.now();
    for (let start = 0; start < labels.length; start += info.slots) blocks.push(crypto.encrypt(labels.subarray(start, start + info.slots)));
    const encrypted = Date.now();
    // The decryption thread has the key by now (it loads it while this thread makes the others): checked before the labels go.
    await keys.ready();
    // The relinearization keys go first (the enclave checks under encryption that every label is 0 or 1),
    // then the public and rotation keys. The keys but the rotation keys are bit-packed (lab/he/seal-pack.ts),
    // about a tenth fewer bytes, which keeps the upload under 10 MB. Packing in a fresh process is slow
    // until V8 has compiled the packer: the rotation keys' 6.4 MB saved 0.6 MB for about 0.2 s of packing
    // and unpacking, the labels 45 KB a block for about 14 ms, so both go as SEAL wrote them. The
    // rotation keys go whole: Enc(X^T y) rotates at the top level (enclave/he/training-crypto.ts groupTotals).
    const blobs = [packSeal(crypto.relinKeyBytes, 'keys'), packSeal(crypto.publicKeyBytes, 'cipher'), crypto.galoisKeyBytes, ...blocks];
    const header = { relinKeys: true, publicKey: true, galoisKeys: true, packed: blobs.map((_, k) => k < 2) };
    const xty = await options.client.request<LabelsAnswer>('POST', `v1/he/sessions/${info.id}/labels`, { frames: encodeFrames(header, blobs) }, traffic);
    const labelsDone = Date.now();
    const D = training.design.length;
    let beta = new Array<number>(D).fill(0);
    let rounds = 0;
    let converged = false;
    let floodBits = Infinity;
    const bound = training.privacy.maxWeight;
    let accepted = beta;
    /**
     * One round at `weights`, pulled back within ±maxWeight. Far from the optimum the Hessian can be
     * too ill-conditioned for the flood's precision (the enclave refuses with insufficient_precision);
     * the step is then halved back toward the last weights a round was answered at, a few times.
     */
    const round = async (weights: number[], average = 1): Promise<{ next: number[]; at: number[]; average: number }> => {
      let at = weights.map((w) => Math.max(-bound, Math.min(bound, w)));
      for (let tries = 0; ; tries++) {
        try {
          const json = average > 1 ? { weights: at, average } : { weights: at };
          const answer = decodeFrames<RoundHeader>(await options.client.send('POST', `v1/he/sessions/${info.id}/rounds`, { json }, traffic));
          rounds += average;
          floodBits = Math.min(floodBits, answer.header.flood.bits);
          accepted = at;
          return { next: Array.from((await keys.decrypt(answer.blobs[0])).subarray(0, D)), at, average };
        } catch (e) {
          if (!(e instanceof JointlabError) || e.code !== 'insufficient_precision') throw e;
          // A refused round is charged as one answered round, an average too (enclave/he/training-session.ts).
          rounds++;
          average = Math.min(average, info.maxRounds - rounds);
          const farther = at.some((w, k) => w !== accepted[k]);
          if (!farther || tries >= 6 || rounds >= info.maxRounds) throw e;
          at = at.map((w, k) => (w + accepted[k]) / 2);
        }
      }
    };
    // Newton rounds until one more step would finish (newtonSettled): the averaged request below is that step.
    const changes: number[] = [];
    let averaged = 0;
    while (rounds < info.maxRounds) {
      const { next, at } = await round(beta);
      changes.push(Math.max(...next.map((v, k) => Math.abs(v - at[k]))));
      beta = next;
      options.onRound?.(rounds, changes[changes.length - 1], floodBits);
      if (newtonSettled(changes, options.tolerance ?? 1e-4)) {
        converged = true;
        break;
      }
    }
    // The rounds left are spent at the converged weights and averaged: the noise shrinks as one over their
    // square root. One request asks for all of them (`average`): the enclave answers their mean, charged
    // as many rounds, with the SEAL work of one. A refusal for precision is charged one round, and the
    // weights then step back toward the last ones answered, as in the Newton rounds.
    if (converged && rounds < info.maxRounds) {
      const mean = await round(beta, info.maxRounds - rounds);
      beta = mean.next;
      averaged = mean.average;
      options.onRound?.(rounds, Math.max(...mean.next.map((v, k) => Math.abs(v - mean.at[k]))), floodBits);
    }
    const roundsDone = Date.now();
    await options.client.send('DELETE', `v1/he/sessions/${info.id}`, {}, traffic);
    const model: ModelFile = {
      format: 'jointlab-model',
      version: 1,
      kind: 'lr',
      features: training.encoder.features,
      params: { l2: training.l2, maxIterations: info.maxRounds },
      state: { encoder: training.encoder, weights: beta.slice(0, D - 1), intercept: beta[D - 1], iterations: rounds, converged },
    };
    const done = Date.now();
    return {
      model,
      rounds,
      converged,
      averaged,
      floodBits,
      traffic,
      seconds: {
        keys: (keysDone - started) / 1000,
        open: (opened - keysDone) / 1000,
        encrypt: (encrypted - opened) / 1000,
        labels: (labelsDone - encrypted) / 1000,
        xty: xty.seconds,
        rounds: (roundsDone - labelsDone) / 1000,
        close: (done - roundsDone) / 1000,
        total: (done - started) / 1000,
      },
    };
  } catch (e) {
    await reportFailure(options.client, session, e);
    throw e;
  } finally {
    await keys.dispose();
  }
}

/**
 * Whether the Newton rounds so far (`changes`: each round's largest weight change, in order) have
 * done what single rounds can: the rounds left are then spent as one averaged round at the last
 * weights, which is itself a Newton step, so its answer sits as near the optimum as one more single
 * round would, with less noise. The rounds have settled when:
 * - the last change is within the tolerance;
 * - it stopped shrinking (more than half the one before: the rounds' noise from here on);
 * - near the optimum, where Newton's method converges quadratically (each change about C times the one
 *   before squared, C estimated from two changes, credible once a change is under QUADRATIC_RATIO of
 *   the one before it: farther out, steps shrink slowly and no rate predicts them):
 *   - the last change is more than twice what the quadratic rate of the two before predicts: it is
 *     the rounds' noise, not the method's progress;
 *   - or one more step from the last weights is predicted to land within the tolerance of the optimum
 *     (they are about C times the last change squared from it; a step squares that, times C).
 */
export function newtonSettled(changes: number[], tolerance: number): boolean {
  const k = changes.length;
  const last = changes[k - 1];
  if (last < tolerance) return true;
  if (k < 2) return false;
  const before = changes[k - 2];
  if (last > before / 2) return true;
  if (k < 3) return false;
  const earlier = changes[k - 3];
  if (before < QUADRATIC_RATIO * earlier && last > (2 * before ** 3) / earlier ** 2) return true;
  if (last >= QUADRATIC_RATIO * before) return false;
  const rate = last / before ** 2;
  const distance = rate * last ** 2;
  return rate * distance ** 2 < tolerance;
}

/** A change under this share of the one before it marks Newton's quadratic phase (see newtonSettled). */
const QUADRATIC_RATIO = 0.3;

export interface HeScoreOptions {
  client: EnclaveClient;
  job: string;
  paramSet: ParamSetName;
  model: ModelFile;
  ids: string[];
  /**
   * Joint models: the platform features, whose terms alone are sent (lab/model-parts.ts); the
   * decrypted values are then the platform part, in `parts`, and the bank adds its own part.
   */
  platformFeatures?: string[];
}

/** The scores decrypted on the bank's side, in the shape of scoring in the clear (scores and refusals by id). */
export interface HeScoreResult extends ScoreAnswer {
  /** The decrypted value of each scored enterprise: log-odds or points (the platform part, for a joint model). */
  parts: { id: string; value: number }[];
  floodBits: number | null;
  traffic: Traffic;
  seconds: number;
  /** Seconds per step on the bank's side. */
  steps: ScoringSteps;
}

/** One session: keys and the encrypted model once, then the ids in requests of one ciphertext each. */
export async function heScore(options: HeScoreOptions): Promise<HeScoreResult> {
  const started = Date.now();
  const session = await HeScoringSession.open(options);
  let answer: DecryptedScores;
  try {
    answer = await session.score(options.ids);
  } catch (e) {
    await session.close(e);
    throw e;
  }
  await session.close();
  const { form } = session;
  const scores = options.platformFeatures
    ? []
    : answer.parts.map(({ id, value: v }) => {
        if (form.output === 'logit') return { id, score: sigmoid(v) };
        return { id, score: sigmoid((form.scaling!.offset - v) / form.scaling!.factor), points: v };
      });
  return { scores, parts: answer.parts, refused: answer.refused, floodBits: answer.floodBits, traffic: session.traffic, seconds: (Date.now() - started) / 1000, steps: session.steps };
}
