/**
 * The bank's side of the two HE protocols over the enclave API: encrypted-label training (Newton
 * rounds whose new weights come back encrypted under the bank's key) and private-model scoring.
 */
import { EnclaveClient, Traffic } from '../client/enclave-client';
import { JointlabError } from '../errors';
import { ModelFile } from '../../models/model';
import { sigmoid } from '../../models/linalg';
import { BankCrypto } from './bank-crypto';
import { decodeFrames, encodeFrames } from './frames';
import { KeyedLabels, alignLabels } from './label-alignment';
import { ParamSetName, rotationSteps } from './params';
import { packSeal } from './seal-pack';
import { DecryptedScores, HeScoringSession, ScoringSteps, reportFailure } from './scoring-session';
import type { LabelsAnswer, RoundHeader, SessionInfo } from '../api/he-sessions';
import type { ScoreAnswer } from '../api/scoring';

async function openSession(client: EnclaveClient, crypto: BankCrypto, job: string, paramSet: ParamSetName, traffic: Traffic): Promise<SessionInfo> {
  // Uploads are bit-packed (lab/he/seal-pack.ts): about a tenth fewer bytes. The rotation keys go whole:
  // Enc(X^T y) rotates at the top level, before its rescale (enclave/he/training-crypto.ts groupTotals).
  // The public key first: its 0.5 MB warm the packer's loops up for the keys' 6 MB (a fresh process
  // packed the keys in 255 to 266 ms alone, 125 to 157 ms with the public key before them).
  const publicKey = packSeal(crypto.publicKeyBytes, 'cipher');
  const galoisKeys = packSeal(crypto.galoisKeyBytes, 'keys');
  return client.request<SessionInfo>('POST', 'v1/he/sessions', { frames: encodeFrames({ job, paramSet, packed: true }, [publicKey, galoisKeys]) }, traffic);
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
   * Keys begun earlier (`trainingKeys`), e.g. while the job waited for its steward: the SEAL start and
   * key generation are then off the session's clock. heTrain disposes of them.
   */
  keys?: Promise<BankCrypto>;
}

/** A fresh key set for one encrypted-label training session (public, Galois for the enclave's rotations, relinearization). */
export function trainingKeys(paramSet: ParamSetName): Promise<BankCrypto> {
  return BankCrypto.create(paramSet, rotationSteps(paramSet), { relinKeys: true });
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
   * Wall seconds: keys made, the session opened (keys sent), labels encrypted, labels sent and
   * Enc(X^T y) computed (of which `xty` is the enclave's computation), the rounds, the session
   * closed, in all.
   */
  seconds: { keys: number; open: number; encrypt: number; labels: number; xty: number; rounds: number; close: number; total: number };
}

/** Averaging rounds the bank keeps in flight: the enclave's SEAL pool computes two at once. */
const AVERAGING_IN_FLIGHT = 2;

export async function heTrain(options: HeTrainOptions): Promise<HeTrainResult> {
  const started = Date.now();
  const traffic: Traffic = { up: 0, down: 0 };
  const crypto = await (options.keys ?? trainingKeys(options.paramSet));
  let session: string | undefined;
  try {
    const keysDone = Date.now();
    const info = await openSession(options.client, crypto, options.job, options.paramSet, traffic);
    session = info.id;
    const training = info.training!;
    for (const y of Array.from(options.labels.values)) if (y !== 0 && y !== 1) throw new JointlabError('bad_label', 'labels must be 0 or 1', 'validation');
    const labels = alignLabels(training.uploadIds, options.labels);
    const blocks: Uint8Array[] = [];
    const opened = Date.now();
    for (let start = 0; start < labels.length; start += info.slots) blocks.push(crypto.encrypt(labels.subarray(start, start + info.slots)));
    const encrypted = Date.now();
    // The relinearization keys go first: the enclave checks under encryption that every label is 0 or 1.
    const xty = await options.client.request<LabelsAnswer>('POST', `v1/he/sessions/${info.id}/labels`, { frames: encodeFrames({ relinKeys: true, packed: true }, [packSeal(crypto.relinKeyBytes, 'keys'), ...blocks.map((b) => packSeal(b, 'cipher'))]) }, traffic);
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
    const round = async (weights: number[]): Promise<{ next: number[]; at: number[] }> => {
      let at = weights.map((w) => Math.max(-bound, Math.min(bound, w)));
      for (let tries = 0; ; tries++) {
        try {
          const answer = decodeFrames<RoundHeader>(await options.client.send('POST', `v1/he/sessions/${info.id}/rounds`, { json: { weights: at } }, traffic));
          rounds++;
          floodBits = Math.min(floodBits, answer.header.flood.bits);
          accepted = at;
          return { next: Array.from(crypto.decrypt(answer.blobs[0]).subarray(0, D)), at };
        } catch (e) {
          if (!(e instanceof JointlabError) || e.code !== 'insufficient_precision') throw e;
          // A refused round is charged as an answered one (enclave/he/training-session.ts).
          rounds++;
          const farther = at.some((w, k) => w !== accepted[k]);
          if (!farther || tries >= 6 || rounds >= info.maxRounds) throw e;
          at = at.map((w, k) => (w + accepted[k]) / 2);
        }
      }
    };
    // Newton rounds until the steps stop shrinking: from then on each answer differs from the last by the rounds' noise.
    let previous = Infinity;
    let averaged = 0;
    while (rounds < info.maxRounds) {
      const { next, at } = await round(beta);
      const change = Math.max(...next.map((v, k) => Math.abs(v - at[k])));
      beta = next;
      options.onRound?.(rounds, change, floodBits);
      if (change < (options.tolerance ?? 1e-4) || change > previous / 2) {
        converged = true;
        break;
      }
      previous = change;
    }
    // The rounds left are spent at the same weights and averaged: the noise shrinks as one over their square root.
    // The first settles the weights (a round refused for precision halves the step back); the others do not
    // depend on one another, so they go AVERAGING_IN_FLIGHT at a time at those weights (the enclave charges
    // each round atomically and computes them on separate SEAL workers).
    if (converged && rounds < info.maxRounds) {
      const sum = new Array<number>(D).fill(0);
      let count = 0;
      const add = (answer: { next: number[]; at: number[] }): void => {
        answer.next.forEach((v, k) => (sum[k] += v));
        count++;
        options.onRound?.(rounds, Math.max(...answer.next.map((v, k) => Math.abs(v - answer.at[k]))), floodBits);
      };
      const first = await round(beta);
      add(first);
      let left = info.maxRounds - rounds;
      const lane = async (): Promise<void> => {
        while (left > 0) {
          left--;
          try {
            add(await round(first.at));
          } catch (e) {
            left = 0;
            throw e;
          }
        }
      };
      // Settled, not raced: the key is disposed after this, so no lane may still be decrypting.
      const failed = (await Promise.allSettled(Array.from({ length: AVERAGING_IN_FLIGHT }, lane))).find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      beta = sum.map((v) => v / count);
      averaged = count;
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
    crypto.dispose();
  }
}

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
