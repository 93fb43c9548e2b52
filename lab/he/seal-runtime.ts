/**
 * The one place that loads node-seal (Microsoft SEAL in WebAssembly): the library, one CKKS context
 * per named parameter set, and a scope that deletes every SEAL object it was handed. SEAL objects
 * live in WebAssembly memory that the garbage collector never frees, so nothing may outlive its scope
 * by accident. Only this module and the two crypto modules built on it (the bank's `bank-crypto.ts`
 * and the enclave's `enclave-crypto.ts`) ever hold a SEAL handle; everything else sees bytes and numbers.
 * In the enclave each SEAL pool worker (`enclave/he/seal-worker.ts`) loads its own copy, so the module's
 * caches below are per thread: a bank's bytes never reach the main thread's SEAL.
 */
import type { SEALLibrary } from 'node-seal/implementation/seal';
import type { Context } from 'node-seal/implementation/context';
import type { CKKSEncoder } from 'node-seal/implementation/ckks-encoder';
import type { Evaluator } from 'node-seal/implementation/evaluator';
import type { Vector } from 'node-seal/implementation/vector';
import { PARAM_SETS, ParamSetName } from './params';

export interface Deletable {
  delete(): void;
}

/** Records SEAL objects and deletes them in reverse order of creation. */
export class Scope {
  private readonly owned: Deletable[] = [];

  own<T extends Deletable>(value: T | void): T {
    if (!value) throw new Error('SEAL returned no object');
    this.owned.push(value);
    return value;
  }

  dispose(): void {
    while (this.owned.length) {
      try {
        this.owned.pop()!.delete();
      } catch {
        // Already deleted (moved into another object): nothing to free.
      }
    }
  }
}

export async function withScope<T>(work: (scope: Scope) => T | Promise<T>): Promise<T> {
  const scope = new Scope();
  try {
    return await work(scope);
  } finally {
    scope.dispose();
  }
}

export interface CkksRuntime {
  seal: SEALLibrary;
  name: ParamSetName;
  context: Context;
  encoder: CKKSEncoder;
  evaluator: Evaluator;
  slots: number;
  scale: number;
}

/** The slice of the WebAssembly global this module touches (Node has it; its types live in lib.dom). */
interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmApi {
  instantiate: (...args: unknown[]) => Promise<unknown>;
  Memory: new (...args: never[]) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let library: Promise<SEALLibrary> | undefined;
let memory: WasmMemory | undefined;
const runtimes = new Map<string, CkksRuntime>();

/** Loads SEAL once, noting its WebAssembly memory so tests can watch the heap for leaks. */
export function loadSeal(): Promise<SEALLibrary> {
  library ??= (async () => {
    const original = wasm.instantiate;
    wasm.instantiate = async (...args: unknown[]) => {
      const result = await original(...args);
      const instance = ((result as { instance?: unknown }).instance ?? result) as { exports?: Record<string, unknown> };
      for (const value of Object.values(instance.exports ?? {})) if (value instanceof wasm.Memory) memory = value;
      return result;
    };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const factory = require('node-seal') as () => Promise<SEALLibrary>;
      return await factory();
    } finally {
      wasm.instantiate = original;
    }
  })();
  return library;
}

/** Bytes of WebAssembly memory SEAL has grown to (it never shrinks, so growth after warm-up means a leak). */
export function sealHeapBytes(): number {
  return memory?.buffer.byteLength ?? 0;
}

/**
 * Which levels a context knows (SEAL builds NTT tables per prime per level: the whole chain of n16384
 * takes about 0.53 s to build). `whole`: every level down to the last prime, as the enclave computes.
 * `last`: a context on the first prime and the special prime alone, whose only data level has the
 * parameters, so the parms id, of the whole chain's last level, where a training round's answer
 * comes back (about 0.2 s): a bank decrypts its rounds there with its secret key's two rows for those
 * primes, in a thread of its own (bank-decryptor.ts). The bank's training keys need no context at all
 * (ring/lean-keys.ts).
 */
export type ModulusChain = 'whole' | 'last';

/** The long-lived context, encoder and evaluator of a parameter set; created once, never deleted. */
export async function ckks(name: ParamSetName, chain: ModulusChain = 'whole'): Promise<CkksRuntime> {
  const key = `${name}:${chain}`;
  const cached = runtimes.get(key);
  if (cached) return cached;
  const seal = await loadSeal();
  const set = PARAM_SETS[name];
  const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.setPolyModulusDegree(set.polyModulusDegree);
  const moduli = seal.CoeffModulus.Create(set.polyModulusDegree, Int32Array.from(set.coeffBits));
  const chosen = chain === 'last' ? firstAndSpecial(seal, moduli) : moduli;
  parms.setCoeffModulus(chosen);
  const context = seal.Context(parms, chain === 'whole', seal.SecurityLevel.tc128);
  if (chosen !== moduli) chosen.delete();
  moduli.delete();
  parms.delete();
  if (!context.parametersSet()) throw new Error(`CKKS parameters ${name} were refused by SEAL`);
  const encoder = seal.CKKSEncoder(context);
  const runtime: CkksRuntime = {
    seal,
    name,
    context,
    encoder,
    evaluator: seal.Evaluator(context),
    slots: encoder.slotCount,
    scale: 2 ** set.scaleBits,
  };
  runtimes.set(key, runtime);
  return runtime;
}

/** The first and the last (special) prime of `moduli`, as a vector of their own. */
function firstAndSpecial(seal: SEALLibrary, moduli: Vector): Vector {
  const all = moduli.toArray() as BigUint64Array;
  const picked = [all[0], all[all.length - 1]].map((q) => seal.Modulus(q));
  const vector = seal.Vector();
  // node-seal reads a list of its Modulus handles here, though its types name typed arrays only.
  vector.from(picked.map((m) => m.instance) as unknown as BigUint64Array, 'Modulus');
  for (const m of picked) m.delete();
  return vector;
}
