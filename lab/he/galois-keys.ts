/**
 * The bank's rotation (Galois) keys for an encrypted-label training, made in a worker thread of their
 * own while the session opens on the public key alone, and sent with the labels. In the main thread
 * they came after the other keys and before the opening (about 0.2 s to make and 0.1 s to pack at
 * N = 16384), and the opening then carried their 6 MB. The worker starts SEAL when it is created, on
 * the other core while the main thread starts its own, and waits for the secret key: it never leaves
 * this process.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JointlabError } from '../errors';
import { ParamSetName } from './params';

export class GaloisKeysAhead {
  private readonly worker: Worker;
  private readonly answer: Promise<Uint8Array>;

  constructor(paramSet: ParamSetName) {
    this.worker = new Worker(join(__dirname, 'galois-worker.js'), { workerData: { paramSet } });
    this.answer = new Promise<Uint8Array>((resolve, reject) => {
      this.worker.once('message', (m: { packed?: Uint8Array; error?: string }) => {
        if (m.packed) resolve(m.packed);
        else reject(new JointlabError('he_failed', `the rotation keys could not be made: ${m.error ?? 'no answer'}`, 'server'));
      });
      this.worker.once('error', (e) => reject(new JointlabError('he_failed', `the rotation keys' worker failed: ${e.message}`, 'server')));
      this.worker.once('exit', () => reject(new JointlabError('he_failed', "the rotation keys' worker stopped", 'server')));
    });
    // Taken by `make`; a session that fails before then must not leave an unhandled rejection.
    this.answer.catch(() => undefined);
  }

  /** Hands the worker the secret key (moved, not copied) and the rotation steps; resolves to the packed keys (lab/he/seal-pack.ts). */
  make(secretKey: Uint8Array, steps: number[]): Promise<Uint8Array> {
    this.worker.postMessage({ secretKey, steps }, [secretKey.buffer as ArrayBuffer]);
    return this.answer;
  }

  /** Stops the worker (its SEAL memory goes with it), whether or not it answered. */
  dispose(): Promise<number> {
    return this.worker.terminate();
  }
}
