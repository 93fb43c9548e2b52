/**
 * The bank's side of a private-scoring session: keys made and the encrypted model sent once, then
 * any number of scoring requests of one ciphertext's worth of ids each, two in flight (the enclave
 * runs them on separate SEAL workers), every answer decrypted here as it arrives.
 */
import { EnclaveClient, Traffic } from '../client/enclave-client';
import { JointlabError } from '../errors';
import { ModelFile } from '../../models/model';
import { BankCrypto } from './bank-crypto';
import { decodeFrames, encodeFrames } from './frames';
import { LinearForm, linearForm } from './model-terms';
import { ParamSetName } from './params';
import { packSeal } from './seal-pack';
import type { ScoresHeader, SessionInfo } from '../api/he-sessions';

export interface ScoringSessionOptions {
  client: EnclaveClient;
  job: string;
  paramSet: ParamSetName;
  model: ModelFile;
  /** Joint models: the platform features, whose terms alone are sent (lab/model-parts.ts). */
  platformFeatures?: string[];
  /**
   * Requests in flight at once (default 2: one per SEAL worker of a two-core enclave; in steady state
   * 4 measured no faster, `npm run bench -- he-scoring`).
   */
  parallel?: number;
}

/** Decrypted values by id, and the ids the enclave refused with its reasons. */
export interface DecryptedScores {
  parts: { id: string; value: number }[];
  refused: { id: string; reason: string }[];
  floodBits: number | null;
}

/** Seconds spent per step on the bank's side, summed over the session (for the benchmark's breakdown). */
export interface ScoringSteps {
  keys: number;
  encryptModel: number;
  sendModel: number;
  /** Waiting for answers: the enclave's work and the transfer. */
  requests: number;
  decrypt: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

export class HeScoringSession {
  readonly traffic: Traffic = { up: 0, down: 0 };
  readonly steps: ScoringSteps = { keys: 0, encryptModel: 0, sendModel: 0, requests: 0, decrypt: 0 };
  private closed = false;

  private constructor(
    private readonly client: EnclaveClient,
    private readonly crypto: BankCrypto,
    readonly info: SessionInfo,
    readonly form: LinearForm,
    private readonly parallel: number,
  ) {}

  /** Opens a session on an approved he-score job and sends the encrypted model; on failure the session is closed with the error's code. */
  static async open(options: ScoringSessionOptions): Promise<HeScoringSession> {
    let t = now();
    // Scoring needs no rotations: no Galois keys are made or sent.
    const crypto = await BankCrypto.create(options.paramSet, []);
    const keys = now() - t;
    const traffic: Traffic = { up: 0, down: 0 };
    let info: SessionInfo | undefined;
    try {
      info = await options.client.request<SessionInfo>('POST', 'v1/he/sessions', { frames: encodeFrames({ job: options.job, paramSet: options.paramSet, packed: true }, [packSeal(crypto.publicKeyBytes, 'cipher'), packSeal(crypto.galoisKeyBytes, 'keys')]) }, traffic);
      const only = options.platformFeatures ? new Set(options.platformFeatures) : undefined;
      const form = linearForm(options.model, { numeric: info.scoring!.numeric, withheld: info.scoring!.withheld }, only);
      t = now();
      const blobs = [...form.coefficients.map((c) => crypto.encryptReplicated(c)), crypto.encryptReplicated(form.constant)].map((b) => packSeal(b, 'cipher'));
      const encryptModel = now() - t;
      t = now();
      await options.client.send('POST', `v1/he/sessions/${info.id}/model`, { frames: encodeFrames({ terms: form.terms, packed: true }, blobs) }, traffic);
      const session = new HeScoringSession(options.client, crypto, info, form, Math.max(1, options.parallel ?? 2));
      Object.assign(session.traffic, traffic);
      Object.assign(session.steps, { keys, encryptModel, sendModel: now() - t });
      return session;
    } catch (e) {
      if (info) await reportFailure(options.client, info.id, e);
      crypto.dispose();
      throw e;
    }
  }

  /** Scores `ids` in requests of one ciphertext each, `parallel` at a time (the session's setting unless given); answers keep the order of the ids. */
  async score(ids: string[], parallel = this.parallel): Promise<DecryptedScores> {
    if (this.closed) throw new JointlabError('session_closed', 'the HE session is closed', 'conflict');
    const size = this.info.slots;
    const chunks: string[][] = [];
    for (let start = 0; start < ids.length; start += size) chunks.push(ids.slice(start, start + size));
    const answers: DecryptedScores[] = new Array(chunks.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < chunks.length) {
        const k = next++;
        answers[k] = await this.request(chunks[k]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(1, parallel), chunks.length) }, lane));
    const floods = answers.map((a) => a.floodBits).filter((b): b is number => b !== null);
    return { parts: answers.flatMap((a) => a.parts), refused: answers.flatMap((a) => a.refused), floodBits: floods.length ? Math.min(...floods) : null };
  }

  private async request(ids: string[]): Promise<DecryptedScores> {
    let t = now();
    const answer = decodeFrames<ScoresHeader>(await this.client.send('POST', `v1/he/sessions/${this.info.id}/score`, { json: { ids } }, this.traffic));
    this.steps.requests += now() - t;
    t = now();
    const values: number[] = [];
    for (const blob of answer.blobs) values.push(...this.crypto.decrypt(blob).subarray(0, Math.min(this.info.slots, answer.header.ids.length - values.length)));
    this.steps.decrypt += now() - t;
    return { parts: answer.header.ids.map((id, i) => ({ id, value: values[i] })), refused: answer.header.refused, floodBits: answer.header.flood?.bits ?? null };
  }

  /** Closes the session (the enclave deletes the keys and the model); with an error, reports it so the job is failed. */
  async close(error?: unknown): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (error === undefined) await this.client.send('DELETE', `v1/he/sessions/${this.info.id}`, {}, this.traffic);
      else await reportFailure(this.client, this.info.id, error);
    } finally {
      this.crypto.dispose();
    }
  }
}

/**
 * A protocol stopped on an error after its session opened: the session is closed with the error's
 * code, so the enclave marks the job failed (not running at 0% until cancelled). A failure to report
 * is not allowed to hide the error itself, which the caller throws on.
 */
export async function reportFailure(client: EnclaveClient, session: string | undefined, e: unknown): Promise<void> {
  if (!session) return;
  const code = e instanceof JointlabError && /^[a-z][a-z0-9_]{0,63}$/.test(e.code) ? e.code : 'client_error';
  await client.send('DELETE', `v1/he/sessions/${session}`, { query: { failed: code } }).catch(() => undefined);
}
