/** Worker thread for Enc(X^T y), the one HE computation that takes seconds: the API keeps answering meanwhile. */
import { parentPort, workerData } from 'node:worker_threads';
import { JointlabError } from '../../lab/errors';
import { XtyInput, encryptedXty } from './enclave-crypto';

export type XtyMessage = { ok: true; xty: Uint8Array[] } | { ok: false; code: string; message: string; category: string };

if (parentPort) {
  encryptedXty(workerData as XtyInput)
    .then((xty) => parentPort!.postMessage({ ok: true, xty } satisfies XtyMessage))
    .catch((e: unknown) => {
      // Only our own errors cross back with their text; anything else becomes a generic failure.
      const known = e instanceof JointlabError;
      parentPort!.postMessage({
        ok: false,
        code: known ? e.code : 'he_failed',
        message: known ? e.message : 'the encrypted computation failed',
        category: known ? e.category : 'server',
      } satisfies XtyMessage);
    });
}
