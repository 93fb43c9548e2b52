/**
 * Loads TensorFlow.js once, on the fastest backend that works here: the native binding when the
 * optional `@tensorflow/tfjs-node` installed, else WebAssembly, else plain JavaScript.
 */
import type * as TF from '@tensorflow/tfjs';

export type Tf = typeof TF;
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let loading: Promise<{ tf: Tf; backend: BackendName }> | undefined;

/** `JOINTLAB_TF_BACKEND` forces one backend (for benchmarks and tests of the fallback). */
export function loadTensorflow(): Promise<{ tf: Tf; backend: BackendName }> {
  loading ??= pickBackend();
  return loading;
}

async function pickBackend(): Promise<{ tf: Tf; backend: BackendName }> {
  const forced = process.env.JOINTLAB_TF_BACKEND as BackendName | undefined;
  const order: BackendName[] = forced ? [forced] : ['tensorflow', 'wasm', 'cpu'];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf: Tf = require('@tensorflow/tfjs');
  for (const backend of order) {
    try {
      if (backend === 'tensorflow') require('@tensorflow/tfjs-node');
      if (backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend(backend)) {
        await tf.ready();
        return { tf, backend };
      }
    } catch {
      // Not installed or not loadable on this machine: try the next one.
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded (tried ${order.join(', ')})`);
}
