/**
 * The worker thread behind `galois-keys.ts`: starts SEAL and the parameter set's context at once, then
 * makes the rotation keys for the secret key it is handed, packs them, and answers with their bytes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ParamSetName } from './params';
import { packSeal } from './seal-pack';
import { ckks, withScope } from './seal-runtime';

interface Ask {
  secretKey: Uint8Array;
  steps: number[];
}

const port = parentPort!;
// Begun before the secret key exists: the context is most of the cost (about 0.6 s at N = 16384).
const runtime = ckks((workerData as { paramSet: ParamSetName }).paramSet);
runtime.catch(() => undefined);

port.once('message', (ask: Ask) => {
  void (async () => {
    try {
      const rt = await runtime;
      const bytes = await withScope((scope) => {
        const secretKey = scope.own(rt.seal.SecretKey());
        secretKey.loadArray(rt.context, ask.secretKey);
        ask.secretKey.fill(0);
        const keygen = scope.own(rt.seal.KeyGenerator(rt.context, secretKey));
        return scope.own(keygen.createGaloisKeysSerializable(Int32Array.from(ask.steps))).saveArray(rt.seal.ComprModeType.none);
      });
      const packed = packSeal(bytes, 'keys');
      port.postMessage({ packed }, [packed.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ error: e instanceof Error ? e.message : String(e) });
    }
  })();
});
