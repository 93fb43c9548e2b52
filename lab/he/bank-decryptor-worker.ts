/**
 * The thread behind `BankDecryptor`: builds the context of one parameter set's last level (seal-
 * runtime.ts `last`), takes the bank's secret key once and keeps its rows for that context's primes
 * (secret-key-rows.ts), then decrypts and decodes the ciphertexts it is sent, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Decryptor } from 'node-seal/implementation/decryptor';
import type { ParamSetName } from './params';
import { Scope, ckks } from './seal-runtime';
import { secretKeyPrimes, secretKeyRows } from './secret-key-rows';
import type { FromDecryptor, ToDecryptor } from './bank-decryptor';

function main(port: NonNullable<typeof parentPort>): void {
  const scope = new Scope();
  const runtime = ckks((workerData as { paramSet: ParamSetName }).paramSet, 'last');
  let decryptor: Promise<Decryptor> | undefined;
  // Messages run one after another: the key comes first, and a ciphertext waits for the context and the key.
  let queue: Promise<unknown> = runtime;
  port.on('message', (m: ToDecryptor) => {
    if ('secretKey' in m) {
      decryptor = runtime.then((rt) => {
        let rows: Uint8Array | undefined;
        try {
          const key = scope.own(rt.seal.SecretKey());
          const n = 2 * rt.slots;
          // The first prime's row and the special prime's (the last), under this context's key level.
          rows = secretKeyRows(m.secretKey, n, [0, secretKeyPrimes(m.secretKey, n) - 1], scope.own(rt.context.keyParmsId).values);
          key.loadArray(rt.context, rows);
          return scope.own(rt.seal.Decryptor(rt.context, key));
        } finally {
          m.secretKey.fill(0);
          rows?.fill(0);
        }
      });
      queue = decryptor;
      // Said once the key is loaded (or not), so that the bank learns of a key this thread cannot use before it sends its labels.
      decryptor.then(
        () => port.postMessage({ key: 'loaded' } satisfies FromDecryptor),
        (e: unknown) => port.postMessage({ key: 'refused', error: e instanceof Error ? e.message : 'the secret key did not load' } satisfies FromDecryptor),
      );
      return;
    }
    const work = queue.then(async () => {
      const rt = await runtime;
      if (!decryptor) throw new Error('no secret key was handed to the decryptor');
      const d = await decryptor;
      const local = new Scope();
      try {
        const cipher = local.own(rt.seal.CipherText());
        cipher.loadArray(rt.context, m.cipher);
        return Float64Array.from(rt.encoder.decode(local.own(d.decrypt(cipher))));
      } finally {
        local.dispose();
      }
    });
    queue = work.catch(() => undefined);
    work.then(
      (values) => port.postMessage({ id: m.id, values } satisfies FromDecryptor, [values.buffer]),
      (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.message : 'decryption failed' } satisfies FromDecryptor),
    );
  });
}

if (parentPort) main(parentPort);
