/**
 * HE sessions: a bank's public and Galois keys bound to one approved HE job and one principal, kept
 * until the bank closes the session (or the job ends), then deleted. The use cases of both protocols
 * live here; the cryptography itself is in `enclave-crypto.ts`.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCategory, JointlabError } from '../../lab/errors';
import { decodeFrames } from '../../lab/he/frames';
import { PARAM_SET_NAMES, ParamSetName, rotationSteps, slotsOf } from '../../lab/he/params';
import { JobSpec } from '../../lab/spec/job-spec';
import { newtonPieces } from '../../models/logistic-core';
import { inverseSpd } from '../../models/linalg';
import { mergeParams } from '../../lab/params';
import { families } from '../../models';
import { appendAudit } from '../audit/log';
import { Principal } from '../auth/principals';
import { checkConsent } from '../data/consents';
import { ScoreLimiter } from '../scoring/limits';
import { jobMode, visibleJob } from '../jobs/jobs';
import { transition } from '../jobs/transition';
import { Db } from '../store/db';
import { BasisTerm, ScoreStats, TrainingDesign, platformTable, scoreBasis, scoreStats, trainingDesign } from './design';
import { DEFAULT_FLOOD, FloodReport, XtyInput, checkKeys, encryptedScores, newtonRound } from './enclave-crypto';
import { XtyMessage } from './xty-worker';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface HeSettings {
  /** Decrypted rounds allowed per key: every answer the bank decrypts tells it something. */
  maxRounds: number;
  maxScoreIds: number;
  minTrainingRows: number;
}

export const DEFAULT_HE_SETTINGS: HeSettings = { maxRounds: 30, maxScoreIds: 100_000, minTrainingRows: 100 };

interface SessionRow {
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

export interface SessionInfo {
  id: string;
  job: string;
  mode: 'he-train' | 'he-score';
  paramSet: ParamSetName;
  slots: number;
  rotationSteps: number[];
  rounds: number;
  maxRounds: number;
  bytes: { in: number; out: number };
  closed: boolean;
  /** he-train: rows of the bank's upload, in whose order labels are encrypted, and the design the weights follow. */
  training?: { uploadRows: number; design: string[]; l2: number; encoder: unknown };
  /** he-score: what the `z` terms are standardized by. */
  scoring?: ScoreStats;
}

/** Plaintext designs are rebuilt from the store on first use after a restart, then kept per session. */
const designs = new Map<string, TrainingDesign>();

export class HeSessions {
  constructor(
    private readonly db: Db,
    private readonly settings: HeSettings,
    private readonly limiter: ScoreLimiter,
  ) {}

  private async row(id: string, viewer: Principal): Promise<SessionRow> {
    const row = await this.db.get<SessionRow>('SELECT * FROM he_sessions WHERE id = ?', [id]);
    // Sessions belong to the principal that opened them; anyone else is told it does not exist.
    if (!row || row.owner !== viewer.id) throw new JointlabError('not_found', 'no such HE session', 'not_found');
    return row;
  }

  private async open(id: string, viewer: Principal): Promise<{ row: SessionRow; spec: JobSpec }> {
    const row = await this.row(id, viewer);
    if (row.closed_at || !row.public_key) throw new JointlabError('session_closed', 'the HE session is closed', 'conflict');
    const job = await visibleJob(this.db, row.job, viewer);
    if (job.state !== 'running') throw new JointlabError('session_closed', `the session's job is ${job.state}`, 'conflict');
    return { row, spec: JSON.parse(job.spec) as JobSpec };
  }

  private async design(row: SessionRow, spec: JobSpec): Promise<TrainingDesign> {
    let design = designs.get(row.id);
    if (!design) {
      design = await trainingDesign(this.db, spec, row.org);
      designs.set(row.id, design);
    }
    return design;
  }

  private async count(id: string, bytesIn: number, bytesOut: number, round = 0): Promise<void> {
    await this.db.run('UPDATE he_sessions SET bytes_in = bytes_in + ?, bytes_out = bytes_out + ?, rounds = rounds + ? WHERE id = ?', [bytesIn, bytesOut, round, id]);
  }

  async info(id: string, viewer: Principal): Promise<SessionInfo> {
    const row = await this.row(id, viewer);
    const job = await visibleJob(this.db, row.job, viewer);
    const spec = JSON.parse(job.spec) as JobSpec;
    const mode = jobMode(job) as 'he-train' | 'he-score';
    const base: SessionInfo = {
      id: row.id,
      job: row.job,
      mode,
      paramSet: row.param_set,
      slots: slotsOf(row.param_set),
      rotationSteps: rotationSteps(row.param_set),
      rounds: row.rounds,
      maxRounds: this.settings.maxRounds,
      bytes: { in: row.bytes_in, out: row.bytes_out },
      closed: row.closed_at !== null,
    };
    if (row.closed_at) return base;
    if (mode === 'he-train') {
      const design = await this.design(row, spec);
      const l2 = mergeParams(families.lr.defaults, spec.model.params as Record<string, unknown> | undefined).l2 as number;
      return { ...base, training: { uploadRows: design.uploadRows, design: design.names, l2, encoder: design.encoder } };
    }
    return { ...base, scoring: scoreStats(await platformTable(this.db, spec)) };
  }

  /** Opens a session on an approved HE job: checks the keys, moves the job to running. */
  async create(body: Buffer, actor: Principal): Promise<SessionInfo> {
    const { header, blobs } = decodeFrames<{ job?: unknown; paramSet?: unknown }>(body);
    if (typeof header.job !== 'string') throw new JointlabError('schema_violation', 'the envelope header needs "job"', 'usage');
    if (typeof header.paramSet !== 'string' || !(PARAM_SET_NAMES as string[]).includes(header.paramSet)) {
      throw new JointlabError('schema_violation', `"paramSet" must be one of ${PARAM_SET_NAMES.join(', ')}`, 'usage');
    }
    if (blobs.length !== 2) throw new JointlabError('bad_envelope', 'send the public key and the Galois keys', 'usage');
    const paramSet = header.paramSet as ParamSetName;
    const job = await visibleJob(this.db, header.job, actor);
    const mode = jobMode(job);
    if (mode === 'plaintext') throw new JointlabError('not_he_job', 'the job is not an HE job', 'conflict');
    if (job.state !== 'approved') throw new JointlabError('bad_transition', `the job is ${job.state}; an HE session needs an approved job`, 'conflict');
    await checkKeys(paramSet, blobs[0], blobs[1], mode === 'he-train');
    const spec = JSON.parse(job.spec) as JobSpec;
    const id = `he_${randomUUID()}`;
    if (mode === 'he-train') {
      const design = await trainingDesign(this.db, spec, actor.org);
      if (design.matchedRows < Math.max(this.settings.minTrainingRows, design.k)) {
        throw new JointlabError('too_few_rows', `fewer than ${Math.max(this.settings.minTrainingRows, design.k)} of the upload's rows are on the platform`, 'validation');
      }
      designs.set(id, design);
    }
    await transition(this.db, job.id, 'running', actor.id, {
      alsoWrite: async (q) => {
        await q.run(
          'INSERT INTO he_sessions (id, job, owner, org, param_set, public_key, galois_keys, bytes_in, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [id, job.id, actor.id, actor.org, paramSet, Buffer.from(blobs[0]), Buffer.from(blobs[1]), body.length, new Date().toISOString()],
        );
        await appendAudit(q, { actor: actor.id, action: 'he.session.open', object: `he:${id}`, detail: { job: job.id, paramSet } });
      },
    });
    return this.info(id, actor);
  }

  /** he-train: the bank's encrypted labels in, Enc(X^T y) computed once and kept for the rounds. */
  async labels(id: string, body: Buffer, actor: Principal): Promise<{ seconds: number }> {
    const { row, spec } = await this.open(id, actor);
    if (jobMode(await visibleJob(this.db, row.job, actor)) !== 'he-train') throw new JointlabError('wrong_mode', 'labels belong to encrypted-label training sessions', 'conflict');
    if (row.xty) throw new JointlabError('labels_exist', 'the labels of this session were sent already', 'conflict');
    const { blobs } = decodeFrames(body);
    const design = await this.design(row, spec);
    const started = process.hrtime.bigint();
    const xty = await xtyInWorker({ paramSet: row.param_set, publicKey: row.public_key!, galoisKeys: row.galois_keys!, labels: blobs, columns: design.aligned });
    const stored = Buffer.concat(xty.flatMap((c) => [u32(c.length), Buffer.from(c)]));
    await this.db.run('UPDATE he_sessions SET xty = ? WHERE id = ?', [stored, id]);
    await this.count(id, body.length, 0);
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  }

  /** he-train: one Newton round at the weights the bank sends; answers Enc(new weights), flooded. */
  async round(id: string, weights: number[], actor: Principal): Promise<{ cipher: Uint8Array; flood: FloodReport; round: number }> {
    const { row, spec } = await this.open(id, actor);
    if (!row.xty) throw new JointlabError('no_labels', 'send the encrypted labels first', 'conflict');
    if (row.rounds >= this.settings.maxRounds) throw new JointlabError('round_limit', `this key has had its ${this.settings.maxRounds} decrypted rounds; open a new session with a new key`, 'conflict');
    const design = await this.design(row, spec);
    const D = design.names.length;
    if (weights.length !== D || !weights.every(Number.isFinite)) throw new JointlabError('schema_violation', `send ${D} finite weights (the design's columns, the intercept last)`, 'usage');
    const l2 = mergeParams(families.lr.defaults, spec.model.params as Record<string, unknown> | undefined).l2 as number;
    const { hessian, gradient } = newtonPieces(design.matched, design.matchedRows, weights, l2);
    const matrix = inverseSpd(hessian, D);
    const offset = Float64Array.from(weights, (w, k) => {
      let step = 0;
      for (let j = 0; j < D; j++) step += matrix[k * D + j] * gradient[j];
      return w - step;
    });
    const xty = splitU32(row.xty);
    // Each label ciphertext meets every column; its largest |value| in the block bounds the product.
    const slots = slotsOf(row.param_set);
    let freshSquares = 0;
    for (let start = 0; start < design.uploadRows; start += slots) {
      for (const c of design.aligned) {
        let max = 0;
        for (let i = start; i < Math.min(start + slots, c.length); i++) max = Math.max(max, Math.abs(c[i]));
        freshSquares += max * max;
      }
    }
    const inputL1 = design.aligned.reduce((t, c) => t + c.reduce((a, v) => a + Math.abs(v), 0), 0);
    const result = await newtonRound({
      paramSet: row.param_set,
      publicKey: row.public_key!,
      xty,
      matrix,
      offset,
      noise: { freshL2: Math.sqrt(freshSquares), rows: design.matchedRows, inputL1 },
      policy: DEFAULT_FLOOD,
    });
    await this.count(id, 0, result.cipher.length, 1);
    return { ...result, round: row.rounds + 1 };
  }

  /** he-score: the bank's encrypted coefficients and the plaintext shape of its model's terms. */
  async model(id: string, body: Buffer, actor: Principal): Promise<{ terms: number }> {
    const { row, spec } = await this.open(id, actor);
    if (jobMode(await visibleJob(this.db, row.job, actor)) !== 'he-score') throw new JointlabError('wrong_mode', 'models belong to private-scoring sessions', 'conflict');
    const { header, blobs } = decodeFrames<{ terms?: unknown }>(body);
    const terms = assertTerms(header.terms, spec, scoreStats(await platformTable(this.db, spec)));
    if (blobs.length !== terms.length + 1) throw new JointlabError('bad_ciphertext_count', `send ${terms.length + 1} coefficient ciphertexts (one per term, then the constant)`, 'usage');
    await this.db.run('UPDATE he_sessions SET coefficients = ? WHERE id = ?', [body, id]);
    await this.count(id, body.length, 0);
    return { terms: terms.length };
  }

  /** he-score: encrypted scores for the consented enterprises among `ids`; the others are refused by id. */
  async score(id: string, ids: string[], actor: Principal) {
    const { row, spec } = await this.open(id, actor);
    if (!row.coefficients) throw new JointlabError('no_model', 'send the encrypted model first', 'conflict');
    if (ids.length === 0 || ids.length > this.settings.maxScoreIds) throw new JointlabError('schema_violation', `send 1 to ${this.settings.maxScoreIds} ids`, 'usage');
    this.limiter.takeRequest(actor.id);
    const { header, blobs } = decodeFrames<{ terms: BasisTerm[] }>(row.coefficients);
    const consent = await checkConsent(this.db, actor.org, 'scoring', ids);
    const table = await platformTable(this.db, spec);
    const { basis, missing } = scoreBasis(table, scoreStats(table), header.terms, consent.allowed);
    const absent = new Set(missing);
    const scored = consent.allowed.filter((x) => !absent.has(x));
    await this.limiter.chargeEnterprises(actor.id, scored);
    const slots = slotsOf(row.param_set);
    const ciphers: Uint8Array[] = [];
    let flood: FloodReport | undefined;
    for (let start = 0; start < scored.length; start += slots) {
      const r = await encryptedScores({
        paramSet: row.param_set,
        publicKey: row.public_key!,
        coefficients: blobs,
        basis: basis.map((b) => b.subarray(start, start + slots)),
        policy: DEFAULT_FLOOD,
      });
      ciphers.push(r.cipher);
      flood = r.flood;
    }
    await this.db.transaction(async (q) => {
      await appendAudit(q, { actor: actor.id, action: 'he.score', object: `he:${id}`, detail: { scored: scored.length, refused: ids.length - scored.length } });
    });
    await this.count(id, 0, ciphers.reduce((s, c) => s + c.length, 0));
    return {
      ids: scored,
      refused: [...consent.refused, ...missing.map((m) => ({ id: m, reason: 'no platform record' }))],
      flood,
      ciphers,
    };
  }

  /** Closes the session: keys and ciphertexts deleted, the job finished. */
  async close(id: string, actor: Principal): Promise<void> {
    const row = await this.row(id, actor);
    designs.delete(id);
    if (row.closed_at) return;
    await this.db.transaction(async (q) => {
      await q.run('UPDATE he_sessions SET public_key = NULL, galois_keys = NULL, xty = NULL, coefficients = NULL, closed_at = ? WHERE id = ?', [new Date().toISOString(), id]);
      await appendAudit(q, { actor: actor.id, action: 'he.session.close', object: `he:${id}`, detail: { rounds: row.rounds } });
    });
    const job = await visibleJob(this.db, row.job, actor);
    if (job.state === 'running') {
      await transition(this.db, row.job, 'succeeded', actor.id);
      await transition(this.db, row.job, 'released', actor.id, { reason: 'encrypted results were delivered under the bank\'s key' });
    }
  }
}

/** Deletes the keys and ciphertexts of every open session of a job that ended some other way (cancelled). */
export async function closeSessionsOfJob(db: Db, jobId: string): Promise<void> {
  const open = await db.all<{ id: string }>('SELECT id FROM he_sessions WHERE job = ? AND closed_at IS NULL', [jobId]);
  for (const { id } of open) designs.delete(id);
  await db.run('UPDATE he_sessions SET public_key = NULL, galois_keys = NULL, xty = NULL, coefficients = NULL, closed_at = ? WHERE job = ? AND closed_at IS NULL', [new Date().toISOString(), jobId]);
}

/** Runs Enc(X^T y) in a worker thread and hands back its bytes, or its error as a JointlabError. */
function xtyInWorker(input: XtyInput): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'xty-worker.js'), { workerData: input });
    let settled = false;
    worker.once('message', (m: XtyMessage) => {
      settled = true;
      if (m.ok) resolve(m.xty);
      else reject(new JointlabError(m.code, m.message, m.category as ErrorCategory));
      void worker.terminate();
    });
    worker.once('error', () => !settled && reject(new JointlabError('he_failed', 'the encrypted computation failed', 'server')));
    worker.once('exit', () => !settled && reject(new JointlabError('he_failed', 'the encrypted computation stopped', 'server')));
  });
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function splitU32(buffer: Buffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < buffer.length; ) {
    const n = buffer.readUInt32BE(at);
    out.push(new Uint8Array(buffer.buffer, buffer.byteOffset + at + 4, n));
    at += 4 + n;
  }
  return out;
}

const MAX_TERMS = 512;

function assertTerms(value: unknown, spec: JobSpec, stats: ScoreStats): BasisTerm[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_TERMS) throw new JointlabError('schema_violation', `"terms" must list 1 to ${MAX_TERMS} terms`, 'usage');
  const columns = new Set(spec.platform!.columns);
  return value.map((t, i) => {
    const term = t as Record<string, unknown>;
    const bad = (why: string): never => {
      throw new JointlabError('schema_violation', `term ${i}: ${why}`, 'usage');
    };
    if (typeof term?.feature !== 'string' || !columns.has(term.feature)) bad('names no platform column of the job');
    const numeric = (term.feature as string) in stats.numeric;
    switch (term.kind) {
      case 'z':
        if (!numeric) bad('"z" needs a numeric feature');
        return { feature: term.feature as string, kind: 'z' };
      case 'missing':
        return { feature: term.feature as string, kind: 'missing' };
      case 'level':
        if (numeric || typeof term.level !== 'string') bad('"level" needs a categorical feature and a level');
        return { feature: term.feature as string, kind: 'level', level: term.level as string };
      case 'bin': {
        const bound = (b: unknown) => b === null || (typeof b === 'number' && Number.isFinite(b));
        if (!numeric || !bound(term.lower) || !bound(term.upper)) bad('"bin" needs a numeric feature and finite or null bounds');
        return { feature: term.feature as string, kind: 'bin', lower: term.lower as number | null, upper: term.upper as number | null };
      }
      default:
        return bad('kind must be z, missing, level or bin');
    }
  });
}
