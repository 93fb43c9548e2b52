/**
 * Worker threads that hash ids to points and blind points with a secret scalar, for both sides of
 * PSI: each call is cut into pieces that the workers take in turn, so one large call uses every
 * core and several calls interleave. Background calls (an enclave blinding its dataset ahead of a
 * session) take a worker only when no session's piece waits. Idle workers do not keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { chunkRanges } from './points';
import { POINT_BYTES, SmallOrderPoint } from './x25519';

export type BlindTask =
  | { id: number; op: 'hash'; domain: string; ids: string[]; scalar: Uint8Array }
  | { id: number; op: 'blind'; points: Uint8Array; scalar: Uint8Array };
export type BlindAnswer = { id: number; ok: true; out: Uint8Array } | { id: number; ok: false; smallOrderAt?: number; message: string };

/** Points per task: big enough that messaging costs nothing next to ~40 µs a point, small enough for steady progress (and for a session's piece to wait at most one background piece, about 0.1 s). */
const PIECE = 2048;

export type PieceProgress = (points: number) => void;

/** `session` work goes first; `background` work fills the workers' idle time. */
export type BlindPriority = 'session' | 'background';

/** Background work that a session may come to wait for: `promote` moves its waiting pieces to the session queue. */
export class BackgroundGroup {}

interface Pending {
  task: BlindTask;
  group?: BackgroundGroup;
  resolve: (out: Uint8Array) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  running?: Pending;
}

export const defaultPsiWorkers = (): number => Math.max(1, Math.min(8, availableParallelism()));

export class BlindPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Record<BlindPriority, Pending[]> = { session: [], background: [] };
  private nextId = 1;
  private closed = false;

  constructor(readonly workers: number = defaultPsiWorkers()) {}

  /** H(id)^scalar for each id, packed in the ids' order; with `background`, in the workers' idle time. */
  hashAndBlind(domain: string, ids: readonly string[], scalar: Uint8Array, progress?: PieceProgress, background?: BackgroundGroup): Promise<Buffer> {
    return this.pieces(ids.length, (from, to) => ({ id: 0, op: 'hash', domain, ids: ids.slice(from, to), scalar }), progress, background);
  }

  /** A session now waits for this background work: its pieces still waiting go before other background work, with the sessions'. */
  promote(group: BackgroundGroup): void {
    const stay: Pending[] = [];
    for (const p of this.waiting.background.splice(0)) (p.group === group ? this.waiting.session : stay).push(p);
    this.waiting.background.push(...stay);
  }

  /** point^scalar for each packed point, in order; a small-order point rejects the call with SmallOrderPoint naming its position. */
  blind(points: Uint8Array, scalar: Uint8Array, progress?: PieceProgress): Promise<Buffer> {
    return this.pieces(points.length / POINT_BYTES, (from, to) => ({ id: 0, op: 'blind', points: points.slice(from * POINT_BYTES, to * POINT_BYTES), scalar }), progress);
  }

  private async pieces(count: number, make: (from: number, to: number) => BlindTask, progress?: PieceProgress, background?: BackgroundGroup): Promise<Buffer> {
    const out = Buffer.alloc(count * POINT_BYTES);
    await Promise.all(
      chunkRanges(count, PIECE).map(async ({ from, to }) => {
        try {
          out.set(await this.submit(make(from, to), background), from * POINT_BYTES);
        } catch (e) {
          const at = (e as { smallOrderAt?: number }).smallOrderAt;
          if (at !== undefined) throw Object.assign(new SmallOrderPoint(`point ${from + at} has small order`), { index: from + at });
          throw e;
        }
        progress?.(to - from);
      }),
    );
    return out;
  }

  private submit(task: BlindTask, background?: BackgroundGroup): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error('the PSI workers are stopped'));
    return new Promise((resolve, reject) => {
      this.waiting[background ? 'background' : 'session'].push({ task: { ...task, id: this.nextId++ }, group: background, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiting.session.length || this.waiting.background.length) {
      let slot = this.slots.find((s) => !s.running);
      if (!slot) {
        if (this.slots.length >= this.workers) return;
        slot = this.spawn();
      }
      const next = (this.waiting.session.length ? this.waiting.session : this.waiting.background).shift()!;
      slot.running = next;
      slot.worker.ref();
      slot.worker.postMessage(next.task);
    }
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(join(__dirname, 'blind-worker.js')) };
    slot.worker.unref();
    slot.worker.on('message', (a: BlindAnswer) => {
      const running = slot.running;
      if (!running || running.task.id !== a.id) return;
      slot.running = undefined;
      slot.worker.unref();
      if (a.ok) running.resolve(a.out);
      else running.reject(Object.assign(new Error(a.message), a.smallOrderAt === undefined ? {} : { smallOrderAt: a.smallOrderAt }));
      this.dispatch();
    });
    const lost = (e: Error) => {
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      this.slots.splice(at, 1);
      slot.running?.reject(e);
      slot.running = undefined;
      this.dispatch();
    };
    slot.worker.on('error', lost);
    slot.worker.on('exit', () => lost(new Error('a PSI worker stopped')));
    this.slots.push(slot);
    return slot;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.waiting.session.splice(0), ...this.waiting.background.splice(0)]) p.reject(new Error('the PSI workers are stopped'));
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.running?.reject(new Error('the PSI workers are stopped'));
      s.worker.removeAllListeners();
      s.worker.on('error', () => undefined);
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
