/**
 * A SEAL pool worker: loads SEAL once, then runs the enclave's HE computations (`enclave-crypto.ts`)
 * one at a time as the pool sends them. After any failure the pool terminates this thread, so a
 * heap that SEAL left in a bad state never serves another request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JointlabError } from '../../lab/errors';
import { ParamSetName } from '../../lab/he/params';
import { ckks, loadSeal, sealHeapBytes } from '../../lab/he/seal-runtime';
import { checkKeys, paramFacts } from './enclave-crypto';
import { dropKeptGalois, encryptedXty, floodZeros, keepTotals, newtonRound, newtonRoundPart, xtyFolds, xtyFromFolds } from './training-crypto';
import { encryptedScoreBatches, encryptedScores } from './score-crypto';
import { rehearseTraining } from './training-warmup';
import { freshZeros } from './rerandomize';
import { fillCheckFactors, holdFilling } from './check-factors';
import { HE_TRAINING_PARAM_SETS } from '../release/he-training-fit';
import type { FromWorker, OpName, PoolOps, ToWorker } from './seal-pool';

/** Idle time after a job before the label check's factors are encoded ahead: longer than the gaps between a session's rounds. */
const FILL_WHEN_IDLE_MS = 300;

type Impl = { [K in OpName]: (input: PoolOps[K]['input']) => Promise<PoolOps[K]['output']> };

const ops: Impl = {
  checkKeys: (i) => checkKeys(i.paramSet, i.publicKey, i.galoisKeys, i.needsRotations),
  encryptedXty,
  xtyFolds,
  xtyFromFolds,
  newtonRound,
  newtonRoundPart,
  keepTotals,
  floodZeros,
  labelZeros: freshZeros,
  encryptedScores,
  encryptedScoreBatches,
  paramFacts,
  heapBytes: async () => sealHeapBytes(),
};

/**
 * Scoring answers' bytes, handed back rather than copied: each is an array of its own that SEAL
 * copied out of its heap (a view of the WebAssembly memory, or of a shared buffer, is never handed over).
 */
function handover(value: unknown): ArrayBuffer[] {
  const ciphers = (value as { ciphers?: unknown } | null)?.ciphers;
  if (!Array.isArray(ciphers)) return [];
  return ciphers.filter((c): c is Uint8Array => c instanceof Uint8Array && c.buffer instanceof ArrayBuffer && c.byteOffset === 0 && c.byteLength === c.buffer.byteLength).map((c) => c.buffer as ArrayBuffer);
}

async function main(port: NonNullable<typeof parentPort>): Promise<void> {
  // Contexts of the parameter sets already in use are built before the first job, not during it.
  await loadSeal();
  for (const name of (workerData as { warm: ParamSetName[] }).warm) await ckks(name);
  port.postMessage({ id: 0, ok: true, value: 'ready' } satisfies FromWorker);
  let busy = false;
  port.on('message', (m: ToWorker) => {
    busy = true;
    // Encoding ahead waits until the worker has been idle a while (check-factors.ts): from the job's end.
    holdFilling(FILL_WHEN_IDLE_MS);
    // A session's Galois keys stay loaded from its fold to its sum only (training-crypto.ts).
    if (m.op !== 'xtyFolds' && m.op !== 'xtyFromFolds') dropKeptGalois();
    (ops[m.op] as (input: unknown) => Promise<unknown>)(m.input)
      .finally(() => holdFilling(FILL_WHEN_IDLE_MS))
      .then((value) => port.postMessage({ id: m.id, ok: true, value } satisfies FromWorker, handover(value)))
      .catch((e: unknown) => {
        // Only our own errors cross back with their text; anything else becomes a generic failure.
        const known = e instanceof JointlabError;
        port.postMessage({
          id: m.id,
          ok: false,
          code: known ? e.code : 'he_failed',
          message: known ? e.message : 'the encrypted computation failed',
          category: known ? e.category : 'server',
        } satisfies FromWorker);
      });
  });
  // Workers the enclave starts at start (warmSeal) rehearse training once, while nothing waits for them.
  const { warm, rehearse } = workerData as { warm: ParamSetName[]; rehearse?: boolean };
  if (rehearse) {
    for (const name of warm) await rehearseTraining(name, () => busy).catch(() => undefined);
    port.postMessage({ id: -1, ok: true, value: 'rehearsed' } satisfies FromWorker);
    // The first session's label-check factors, encoded ahead like every later session's (check-factors.ts).
    for (const name of warm) if (HE_TRAINING_PARAM_SETS.includes(name)) fillCheckFactors(name);
  }
}

if (parentPort) void main(parentPort);
