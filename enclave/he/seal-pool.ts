/**
 * A small pool of worker threads that runs every SEAL computation on a bank's keys and ciphertexts,
 * so that no bank's bytes ever touch SEAL in the main thread. A worker is thrown away on any error
 * (once SEAL has thrown, its WebAssembly heap is suspect), on a crash and on a time limit; requests
 * wait in one bounded queue per bank, and the waiting bank served longest ago goes next, so one bank
 * cannot starve another.
 * The exported functions have the names, inputs and outputs of `enclave-crypto.ts`, whose
 * implementations run inside the workers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ErrorCategory, JointlabError } from '../../lab/errors';
import { ParamSetName, XTY_SHARES } from '../../lab/he/params';
import { randomUUID } from 'node:crypto';
import type { RoundInput, XtyInput } from './training-crypto';
import type { ScoreBatchesInput, ScoreInput } from './score-crypto';
import { ParamFacts, assertCiphertext, assertGaloisKeys, assertPublicKey, assertRelinKeys } from './seal-bytes';
import type { FloodReport } from '../../lab/api/he-sessions';
import type { FloodPolicy } from './enclave-crypto';

export interface SealPoolSettings {
  /** Worker threads, each with its own SEAL heap; one per core by default. */
  workers: number;
  /** Computations one bank may have waiting (not counting running ones) before it gets 429 `he_busy`. */
  queuePerCaller: number;
  /** A computation still running after this long is stopped with its worker. */
  timeLimitSeconds: number;
}

export const DEFAULT_SEAL_POOL: SealPoolSettings = { workers: Math.max(1, Math.min(4, availableParallelism())), queuePerCaller: 8, timeLimitSeconds: 300 };

/** What the pool's worker runs, by name, with the argument it is sent. */
export interface PoolOps {
  checkKeys: { input: { paramSet: ParamSetName; publicKey: Uint8Array; galoisKeys: Uint8Array; needsRotations: boolean }; output: void };
  encryptedXty: { input: XtyInput; output: Uint8Array[] };
  xtyFolds: { input: XtyInput; output: Uint8Array[] };
  xtyFromFolds: { input: { paramSet: ParamSetName; galoisKeys: Uint8Array; keysKey?: string; shares: Uint8Array[][] }; output: Uint8Array[] };
  newtonRound: { input: RoundInput & { parts?: Uint8Array[] }; output: { cipher: Uint8Array; flood: FloodReport } };
  newtonRoundPart: { input: RoundInput & { from: number; to: number }; output: Uint8Array };
  keepTotals: { input: Pick<RoundInput, 'paramSet' | 'xty' | 'xtyKey'>; output: void };
  floodZeros: { input: { paramSet: ParamSetName; publicKey: Uint8Array; policy: FloodPolicy }; output: Uint8Array[] };
  labelZeros: { input: { paramSet: ParamSetName; publicKey: Uint8Array; count: number }; output: Uint8Array[] };
  encryptedScores: { input: ScoreInput; output: { cipher: Uint8Array; flood: FloodReport } };
  encryptedScoreBatches: { input: ScoreBatchesInput; output: { ciphers: Uint8Array[]; flood: FloodReport } };
  paramFacts: { input: ParamSetName; output: ParamFacts };
  heapBytes: { input: null; output: number };
}
export type OpName = keyof PoolOps;

export type ToWorker = { id: number; op: OpName; input: unknown };
/** Buffers a message hands over instead of copying: the sender never reads them again. */
export type Handover = ArrayBuffer[];
export type FromWorker = { id: number; ok: true; value: unknown } | { id: number; ok: false; code: string; message: string; category: ErrorCategory };

interface Job {
  op: OpName;
  input: unknown;
  handover?: Handover;
  caller: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: { id: number; job: Job; timer: NodeJS.Timeout };
  /** Set once the worker has answered anything: a worker that dies before that failed to start. */
  started: boolean;
}

const failed = (code: string, message: string, category: ErrorCategory = 'server') => new JointlabError(code, message, category);

class SealPool {
  private readonly slots: Slot[] = [];
  private readonly queues = new Map<string, Job[]>();
  /**
   * When each caller was last served (a dispatch count): the waiting caller served longest ago goes
   * next, so a bank that just had a turn waits behind every other bank that is waiting.
   */
  private readonly lastServed = new Map<string, number>();
  private dispatched = 0;
  private nextId = 1;
  private startFailures = 0;
  /** Parameter sets met so far: a replacement worker builds their contexts before its first job. */
  private readonly warm = new Set<ParamSetName>();
  replaced = 0;
  /** Rehearsals running in workers started with the enclave (training-warmup.ts), settled by the worker's message -1 or its end. */
  private readonly rehearsals = new Map<Slot, { done: Promise<void>; settle: () => void }>();

  constructor(readonly settings: SealPoolSettings) {}

  /** Resolves when every rehearsal started so far has ended (finished, cut short by a job, or with its worker). */
  async rehearsed(): Promise<void> {
    await Promise.all([...this.rehearsals.values()].map((r) => r.done));
  }

  private endRehearsal(slot: Slot): void {
    this.rehearsals.get(slot)?.settle();
    this.rehearsals.delete(slot);
  }

  run<K extends OpName>(op: K, input: PoolOps[K]['input'], caller: string, handover?: Handover): Promise<PoolOps[K]['output']> {
    const queue = this.queues.get(caller) ?? [];
    if (queue.length >= this.settings.queuePerCaller) {
      return Promise.reject(failed('he_busy', `${this.settings.queuePerCaller} of your encrypted computations are already waiting; retry when they finish`, 'rate'));
    }
    return new Promise((resolve, reject) => {
      queue.push({ op, input, handover, caller, resolve: resolve as (v: unknown) => void, reject });
      this.queues.set(caller, queue);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queues.size) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        if (this.slots.length >= this.settings.workers) return;
        slot = this.spawn();
      }
      let caller = '';
      let oldest = Infinity;
      for (const waiting of this.queues.keys()) {
        const at = this.lastServed.get(waiting) ?? -1;
        if (at < oldest) [caller, oldest] = [waiting, at];
      }
      const queue = this.queues.get(caller)!;
      const job = queue.shift()!;
      if (!queue.length) this.queues.delete(caller);
      this.lastServed.set(caller, this.dispatched++);
      this.start(slot, job);
    }
  }

  /** `rehearse`: the worker runs a training once on a throwaway key of its own before its first job (training-warmup.ts). */
  private spawn(rehearse = false): Slot {
    const worker = new Worker(join(__dirname, 'seal-worker.js'), { workerData: { warm: [...this.warm], rehearse } });
    const slot: Slot = { worker, started: false };
    this.slots.push(slot);
    if (rehearse) {
      let settle = (): void => undefined;
      const done = new Promise<void>((resolve) => (settle = resolve));
      this.rehearsals.set(slot, { done, settle });
    }
    worker.on('message', (m: FromWorker) => this.answered(slot, m));
    worker.on('error', () => this.lost(slot, failed('he_failed', 'the encrypted computation failed')));
    worker.on('exit', () => this.lost(slot, failed('he_failed', 'the encrypted computation stopped')));
    // An idle worker must not keep the process (a test, the CLI) alive.
    worker.unref();
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    const id = this.nextId++;
    if (job.op !== 'paramFacts' && job.op !== 'heapBytes') this.warm.add((job.input as { paramSet: ParamSetName }).paramSet);
    const timer = setTimeout(() => this.lost(slot, failed('he_timeout', `the encrypted computation took longer than ${this.settings.timeLimitSeconds} s and was stopped`)), this.settings.timeLimitSeconds * 1000);
    slot.job = { id, job, timer };
    slot.worker.ref();
    slot.worker.postMessage({ id, op: job.op, input: job.input } satisfies ToWorker, job.handover);
  }

  private answered(slot: Slot, m: FromWorker): void {
    // Message 0 is the worker's "SEAL loaded": from then on its failures are its jobs', not its start's.
    if (m.id === 0) {
      slot.started = true;
      this.startFailures = 0;
      return;
    }
    // Message -1: its rehearsal has ended.
    if (m.id === -1) return this.endRehearsal(slot);
    const running = slot.job;
    if (!running || running.id !== m.id) return;
    clearTimeout(running.timer);
    slot.job = undefined;
    slot.worker.unref();
    if (m.ok) {
      running.job.resolve(m.value);
      this.dispatch();
      return;
    }
    // Whatever failed, the worker's SEAL heap has seen it: the worker goes, a fresh one takes its place.
    running.job.reject(failed(m.code, m.message, m.category));
    this.discard(slot);
  }

  /** A worker that crashed, exited or ran out of time: its job fails, it is replaced. */
  private lost(slot: Slot, error: JointlabError): void {
    if (!this.slots.includes(slot)) return;
    const running = slot.job;
    slot.job = undefined;
    if (running) {
      clearTimeout(running.timer);
      running.job.reject(error);
    }
    if (!slot.started && ++this.startFailures >= 3) {
      // Workers that cannot even start would be respawned forever: fail what waits instead.
      this.startFailures = 0;
      for (const queue of this.queues.values()) for (const job of queue) job.reject(failed('he_unavailable', 'the encrypted-computation workers do not start'));
      this.queues.clear();
    }
    this.discard(slot);
  }

  private discard(slot: Slot): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    this.slots.splice(at, 1);
    this.endRehearsal(slot);
    this.replaced++;
    slot.worker.removeAllListeners();
    // A late 'error' from a dying worker must not become an uncaught exception.
    slot.worker.on('error', () => undefined);
    void slot.worker.terminate();
    this.dispatch();
  }

  /** Builds `paramSet`'s context in every worker from now on, and starts one worker if none runs. */
  warmUp(paramSet: ParamSetName): void {
    this.warm.add(paramSet);
    if (!this.slots.length) this.spawn();
  }

  /** Builds `paramSet`'s context in every worker from now on, and starts every worker the settings allow. */
  warmAll(paramSet: ParamSetName): void {
    this.warm.add(paramSet);
    // Started with the enclave, they have time to rehearse before the first session (replacements do not).
    while (this.slots.length < this.settings.workers) this.spawn(true);
  }

  async stop(): Promise<void> {
    for (const queue of this.queues.values()) for (const job of queue) job.reject(failed('he_unavailable', 'the enclave is stopping'));
    this.queues.clear();
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      this.endRehearsal(slot);
      if (slot.job) {
        clearTimeout(slot.job.timer);
        slot.job.job.reject(failed('he_unavailable', 'the enclave is stopping'));
      }
      slot.worker.removeAllListeners();
      slot.worker.on('error', () => undefined);
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

let pool: SealPool | undefined;
let settings: SealPoolSettings = DEFAULT_SEAL_POOL;
let users = 0;
const facts = new Map<ParamSetName, Promise<ParamFacts>>();
const callers = new AsyncLocalStorage<string>();

/** Each running enclave holds the pool; the last one to let go stops its workers. */
export function holdSealPool(wanted: Partial<SealPoolSettings> = {}): () => Promise<void> {
  settings = { ...DEFAULT_SEAL_POOL, ...wanted };
  users++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--users > 0 || !pool) return;
    const stopping = pool;
    pool = undefined;
    await stopping.stop();
  };
}

/** Runs `work` on behalf of `caller` (a bank's organisation): the unit the pool is fair between. */
export function asCaller<T>(caller: string, work: () => Promise<T>): Promise<T> {
  return callers.run(caller, work);
}

/**
 * Starts a worker with `paramSet`'s context built, if none runs yet: called when an HE job is
 * approved, so that the bank's session does not wait for SEAL to load and build its context (about a
 * second at N = 16384). Only an approved HE job starts SEAL: an enclave without one never loads it.
 */
export function warmSealPool(paramSet: ParamSetName): void {
  pool ??= new SealPool(settings);
  pool.warmUp(paramSet);
}

/**
 * Starts every worker of the pool with `paramSet`'s context built: the enclave's `warmSeal` setting,
 * so that even a process's first HE session waits neither for SEAL to load nor for a context to be
 * built in the worker that takes its second computation. Idle workers hold their heaps and nothing else.
 */
export function warmSealWorkers(paramSet: ParamSetName): void {
  pool ??= new SealPool(settings);
  pool.warmAll(paramSet);
}

/** Resolves when the workers started with the enclave (warmSeal) have rehearsed training: for the benchmark of a process's first session. */
export function sealPoolRehearsed(): Promise<void> {
  return pool?.rehearsed() ?? Promise.resolve();
}

/** Workers thrown away and replaced so far (for tests and the benchmark). */
export function sealPoolReplacements(): number {
  return pool?.replaced ?? 0;
}

function run<K extends OpName>(op: K, input: PoolOps[K]['input'], handover?: Handover): Promise<PoolOps[K]['output']> {
  // Started lazily: an enclave that never sees an HE request never loads SEAL.
  pool ??= new SealPool(settings);
  return pool.run(op, input, callers.getStore() ?? 'enclave', handover);
}

/** The SEAL heap of the worker that answers (with one worker: the only one), for leak tests. */
export function sealWorkerHeapBytes(): Promise<number> {
  return run('heapBytes', null);
}

/** Parameter ids and moduli of a parameter set, asked of a worker once (they come from SEAL, not from any bank). */
function paramFacts(paramSet: ParamSetName): Promise<ParamFacts> {
  let known = facts.get(paramSet);
  if (!known) {
    known = run('paramFacts', paramSet);
    facts.set(paramSet, known);
    known.catch(() => facts.delete(paramSet));
  }
  return known;
}

/** The byte checks of `checkKeys` alone, in this thread: what a session's other work may wait for before it starts. */
export async function checkKeyBytes(paramSet: ParamSetName, publicKey: Uint8Array, galoisKeys: Uint8Array, needsRotations: boolean): Promise<void> {
  const f = await paramFacts(paramSet);
  assertPublicKey(f, publicKey);
  if (galoisKeys.length) assertGaloisKeys(f, galoisKeys, needsRotations);
  else if (needsRotations) throw new JointlabError('bad_key', 'this protocol needs Galois keys for the declared rotation steps', 'usage');
}

export async function checkKeys(paramSet: ParamSetName, publicKey: Uint8Array, galoisKeys: Uint8Array, needsRotations: boolean): Promise<void> {
  await checkKeyBytes(paramSet, publicKey, galoisKeys, needsRotations);
  await run('checkKeys', { paramSet, publicKey, galoisKeys, needsRotations });
}

export async function encryptedXty(input: XtyInput): Promise<Uint8Array[]> {
  const f = await paramFacts(input.paramSet);
  assertPublicKey(f, input.publicKey);
  assertGaloisKeys(f, input.galoisKeys, true);
  input.labels.forEach((b, i) => assertCiphertext(f, b, `label ciphertext ${i}`));
  if (input.relinKeys) assertRelinKeys(f, input.relinKeys);
  return run('encryptedXty', input);
}

/**
 * Enc(X^T y) as `encryptedXty` computes it, with its label blocks split between two workers when the
 * pool has two: each folds its share of the blocks (with their label check) at the same time, and
 * one of them sums the shares within classes. The same ciphertexts (up to CKKS noise), in about half
 * the time of the products and their fold. `whileSumming` is called once the sum is queued: what it
 * queues runs on the worker the sum leaves idle (about 0.8 s at n16384).
 */
export async function encryptedXtyShared(input: XtyInput, slots: number, whileSumming?: () => void): Promise<Uint8Array[]> {
  const f = await paramFacts(input.paramSet);
  assertPublicKey(f, input.publicKey);
  assertGaloisKeys(f, input.galoisKeys, true);
  input.labels.forEach((b, i) => assertCiphertext(f, b, `label ciphertext ${i}`));
  if (input.relinKeys) assertRelinKeys(f, input.relinKeys);
  const rows = input.columns[0]?.length ?? 0;
  if (settings.workers < 2 || input.labels.length < 2 || input.labels.length !== Math.ceil(rows / slots)) {
    const whole = run('encryptedXty', input);
    whileSumming?.();
    return whole;
  }
  const per = Math.ceil(input.labels.length / XTY_SHARES);
  const part = (from: number): XtyInput => ({
    ...input,
    labels: input.labels.slice(from, from + per),
    columns: input.columns.map((c) => c.slice(from * slots, Math.min((from + per) * slots, rows))),
    ...(input.zeros ? { zeros: input.zeros.slice(from, from + per) } : {}),
  });
  // The workers that fold keep the Galois keys loaded for the sum, which runs on one of them.
  const keysKey = randomUUID();
  const shares = await Promise.all(Array.from({ length: Math.ceil(input.labels.length / per) }, (_, k) => run('xtyFolds', { ...part(k * per), keysKey })));
  const sum = run('xtyFromFolds', { paramSet: input.paramSet, galoisKeys: input.galoisKeys, keysKey, shares });
  // Work queued now goes to the other worker, which the sum leaves idle.
  whileSumming?.();
  return sum;
}

/**
 * One Newton round (training-crypto.ts newtonRound). With two workers or more, its products are
 * shared: two workers each compute half of them (newtonRoundPart), and one finishes the round from
 * the two halves; the same answer, most of its SEAL work (16 diagonals encoded and multiplied, about
 * 37 of 41 ms in one thread at n16384) split over two threads.
 */
export async function newtonRound(input: RoundInput): Promise<{ cipher: Uint8Array; flood: FloodReport }> {
  assertPublicKey(await paramFacts(input.paramSet), input.publicKey);
  if (settings.workers < 2) return run('newtonRound', input);
  const half = Math.ceil(input.xty.length / 2);
  // The flood's zero made ahead goes to the finishing round only.
  const { zeros, ...products } = input;
  const parts = await Promise.all([run('newtonRoundPart', { ...products, from: 0, to: half }), run('newtonRoundPart', { ...products, from: half, to: input.xty.length })]);
  return run('newtonRound', { ...input, zeros, parts });
}

/**
 * `bytes` copied into shared memory: a message to a SEAL worker then shares them instead of copying
 * them (structured cloning a session's 8 MB of Galois keys for each of its computations cost the main
 * thread more than its other work on Enc(X^T y)).
 */
export function inSharedMemory(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  return shared;
}

/**
 * A training session's label blocks' encryptions of zero (rerandomize.ts), made ahead while the bank
 * encrypts its labels: `blocks` of them, in as many requests as Enc(X^T y) has shares, so both
 * workers make them at once. Resolves to one list, in block order.
 */
export async function labelZerosAhead(paramSet: ParamSetName, publicKey: Uint8Array, blocks: number): Promise<Uint8Array[]> {
  assertPublicKey(await paramFacts(paramSet), publicKey);
  const per = Math.ceil(blocks / XTY_SHARES);
  const parts = await Promise.all(Array.from({ length: Math.ceil(blocks / per) }, (_, k) => run('labelZeros', { paramSet, publicKey, count: Math.min(per, blocks - k * per) })));
  return parts.flat();
}

/** A session's totals loaded ahead in every worker of the pool: as many requests as workers, sent at once, so that idle workers take one each. */
export async function keepTotalsAhead(paramSet: ParamSetName, xty: Uint8Array[], xtyKey: string): Promise<void> {
  await Promise.all(Array.from({ length: settings.workers }, () => run('keepTotals', { paramSet, xty, xtyKey })));
}

/** One round's fresh encryption of zero made ahead under the session's key, in a list of one (training-crypto.ts). */
export async function floodZeros(paramSet: ParamSetName, publicKey: Uint8Array, policy: FloodPolicy): Promise<Uint8Array[]> {
  assertPublicKey(await paramFacts(paramSet), publicKey);
  return run('floodZeros', { paramSet, publicKey, policy });
}

export async function encryptedScores(input: ScoreInput): Promise<{ cipher: Uint8Array; flood: FloodReport }> {
  const f = await paramFacts(input.paramSet);
  assertPublicKey(f, input.publicKey);
  input.coefficients.forEach((b, i) => assertCiphertext(f, b, `coefficient ciphertext ${i}`));
  return run('encryptedScores', input);
}

/** A session's encrypted model whose bytes were checked once: workers load it on first use and keep it loaded. */
export interface ScoreModel {
  readonly key: string;
  readonly paramSet: ParamSetName;
  readonly publicKey: Uint8Array;
  readonly coefficients: Uint8Array[];
  /** Which basis columns are 0/1 flags, one per term (enclave/release/score-bounds.ts); without it none is. */
  readonly flags?: boolean[];
}

const checkedModels = new WeakSet<ScoreModel>();

/**
 * Checks a bank's public key and coefficient ciphertexts once and copies them into shared memory, so
 * each request hands them to a worker without a copy; the key names this upload in the workers' caches.
 */
export async function scoreModel(paramSet: ParamSetName, publicKey: Uint8Array, coefficients: Uint8Array[], flags?: boolean[]): Promise<ScoreModel> {
  const f = await paramFacts(paramSet);
  assertPublicKey(f, publicKey);
  coefficients.forEach((b, i) => assertCiphertext(f, b, `coefficient ciphertext ${i}`));
  const shared = new Uint8Array(new SharedArrayBuffer([publicKey, ...coefficients].reduce((n, b) => n + b.length, 0)));
  let at = 0;
  const place = (b: Uint8Array): Uint8Array => {
    shared.set(b, at);
    at += b.length;
    return shared.subarray(at - b.length, at);
  };
  const model: ScoreModel = { key: randomUUID(), paramSet, publicKey: place(publicKey), coefficients: coefficients.map(place), ...(flags ? { flags } : {}) };
  checkedModels.add(model);
  return model;
}

/** Encrypted scores of one batch of enterprises (at most `slots`), on whichever worker is free. */
export async function scoreBatch(model: ScoreModel, basis: Float64Array[], policy: ScoreInput['policy']): Promise<{ cipher: Uint8Array; flood: FloodReport }> {
  if (!checkedModels.has(model)) throw new JointlabError('he_failed', 'a scoring model must pass scoreModel first');
  // The columns go over in one buffer of their own, handed over rather than cloned (2 MB a batch at
  // 30 terms): a copy here costs a fraction of a millisecond, a structured clone far more.
  const length = basis[0]?.length ?? 0;
  const flat = new Float64Array(basis.length * length);
  basis.forEach((column, t) => flat.set(column, t * length));
  const columns = basis.map((_, t) => flat.subarray(t * length, (t + 1) * length));
  const r = await run('encryptedScoreBatches', { ...model, batches: [columns], policy }, [flat.buffer]);
  return { cipher: r.ciphers[0], flood: r.flood };
}
