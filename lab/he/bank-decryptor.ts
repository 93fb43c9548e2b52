/**
 * The bank's decryption of its training rounds in a worker thread of its own. The rounds' answers come
 * back at the modulus chain's last level; the thread starts SEAL and builds a context of that level
 * alone (seal-runtime.ts `last`, about 0.2 s at n16384) while this thread makes the keys on a context
 * of the top levels only (`top`, about 0.35 s): the whole chain took about 0.53 s here. The secret key
 * reaches the thread once, as bytes moved (not copied) into it, which zeroes them after loading.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { ParamSetName } from './params';

export type ToDecryptor = { secretKey: Uint8Array } | { id: number; cipher: Uint8Array };
export type FromDecryptor = { id: number; values: Float64Array } | { id: number; error: string } | { key: 'loaded' } | { key: 'refused'; error: string };

export class BankDecryptor {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: Float64Array) => void; reject: (e: Error) => void }>();
  private next = 1;
  private failure: Error | undefined;
  private keyLoaded: { resolve: () => void; reject: (e: Error) => void } | undefined;
  /** Settles once the thread has loaded the key from `useKey`, or failed to. */
  readonly ready: Promise<void>;

  private constructor(paramSet: ParamSetName) {
    this.ready = new Promise<void>((resolve, reject) => (this.keyLoaded = { resolve, reject }));
    this.ready.catch(() => undefined); // observed by whoever awaits it; a failure also rejects every decryption
    this.worker = new Worker(join(__dirname, 'bank-decryptor-worker.js'), { workerData: { paramSet } });
    // Idle, the thread does not keep the process alive once it has its key; the key's loading and a
    // decryption waited for do (see decrypt).
    void this.ready.then(
      () => this.pending.size === 0 && this.worker.unref(),
      () => undefined,
    );
    this.worker.on('message', (m: FromDecryptor) => {
      if ('key' in m) return m.key === 'loaded' ? this.keyLoaded?.resolve() : this.keyLoaded?.reject(new Error(m.error));
      this.settle(m.id, 'values' in m ? m.values : new Error(m.error));
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', () => this.fail(new Error('the decryption thread stopped')));
  }

  /** Starts the thread, which builds the context of `paramSet`'s last level at once. */
  static start(paramSet: ParamSetName): BankDecryptor {
    return new BankDecryptor(paramSet);
  }

  /** The secret key's bytes, moved into the thread (the array given here is left empty). */
  useKey(secretKey: Uint8Array): void {
    const own = secretKey.byteOffset === 0 && secretKey.byteLength === secretKey.buffer.byteLength && secretKey.buffer instanceof ArrayBuffer ? secretKey : secretKey.slice();
    this.worker.postMessage({ secretKey: own } satisfies ToDecryptor, [own.buffer as ArrayBuffer]);
    if (own !== secretKey) secretKey.fill(0);
  }

  /** Decrypts and decodes one ciphertext (every slot's real part). */
  decrypt(cipher: Uint8Array): Promise<Float64Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<Float64Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, cipher } satisfies ToDecryptor);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }

  private settle(id: number, outcome: Float64Array | Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.keyLoaded?.reject(this.failure);
    for (const id of [...this.pending.keys()]) this.settle(id, this.failure);
  }
}
