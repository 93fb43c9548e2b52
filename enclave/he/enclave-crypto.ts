/**
 * The enclave's side of CKKS: it loads a bank's public and Galois keys (never a secret key), checks
 * every ciphertext it is sent against the session's parameters, computes on platform features in the
 * clear and the bank's data encrypted, and floods each result with fresh noise before it leaves.
 * Results are handed back as bytes; no SEAL object outlives the call that made it. These functions
 * run inside the SEAL pool's workers (`seal-pool.ts` exports the same functions for the enclave to
 * call); calling them directly runs SEAL in the calling thread, which only the benchmark's in-thread
 * reference and the worker itself do.
 */
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys';
import type { PublicKey } from 'node-seal/implementation/public-key';
import type { CKKSEncoder } from 'node-seal/implementation/ckks-encoder';
import type { ParmsIdType } from 'node-seal/implementation/parms-id-type';
import { JointlabError } from '../../lab/errors';
import { CONJUGATION_STEP, PARAM_SETS, PARAM_SET_NAMES, ParamSetName, rotationSteps } from '../../lab/he/params';
import { CkksRuntime, Scope, ckks, withScope } from '../../lab/he/seal-runtime';
import type { ParamFacts } from './seal-bytes';
import type { FloodReport } from '../../lab/api/he-sessions';

/** Fresh-encryption noise standard deviation SEAL samples (its default, 3.2 rounded as SEAL does). */
const SIGMA = 3.19;

/**
 * SEAL's 16-byte serialization header: magic 0xA15E, header size 16, a known compression mode, and
 * a total size equal to the bytes at hand. Checked before SEAL parses anything.
 */
export function sealBlobLooksWhole(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint16(0, true) === 0xa15e && view.getUint8(2) === 16 && view.getUint8(5) <= 2 && Number(view.getBigUint64(8, true)) === bytes.length;
}

export function badCipher(what: string): JointlabError {
  return new JointlabError('bad_ciphertext', `${what} does not load under this session's parameters`, 'usage');
}

/** Loads the session's keys into a scope; malformed or mismatched bytes are a 400, not a crash. */
export function loadKeys(rt: CkksRuntime, scope: Scope, publicKey: Uint8Array, galoisKeys: Uint8Array): { pk: PublicKey; gk: GaloisKeys } {
  const pk = loadPublicKey(rt, scope, publicKey);
  return { pk, gk: galoisKeys.length === 0 ? scope.own(rt.seal.GaloisKeys()) : loadGaloisKeys(rt, scope, galoisKeys) };
}

export function loadPublicKey(rt: CkksRuntime, scope: Scope, bytes: Uint8Array): PublicKey {
  const pk = scope.own(rt.seal.PublicKey());
  try {
    if (!sealBlobLooksWhole(bytes)) throw new Error();
    pk.loadArray(rt.context, bytes);
  } catch {
    throw new JointlabError('bad_key', "the public key does not load under this session's parameters", 'usage');
  }
  return pk;
}

export function loadGaloisKeys(rt: CkksRuntime, scope: Scope, bytes: Uint8Array): GaloisKeys {
  const gk = scope.own(rt.seal.GaloisKeys());
  try {
    if (!sealBlobLooksWhole(bytes)) throw new Error();
    gk.loadArray(rt.context, bytes);
  } catch {
    throw new JointlabError('bad_key', "the Galois keys do not load under this session's parameters", 'usage');
  }
  return gk;
}

/** The parms ids and moduli that `seal-bytes.ts` checks a bank's bytes against, read from SEAL's own context. */
export async function paramFacts(paramSet: ParamSetName): Promise<ParamFacts> {
  const rt = await ckks(paramSet);
  return withScope((scope) => {
    const first = scope.own(rt.context.firstContextData);
    const key = scope.own(rt.context.keyContextData);
    return {
      polyModulusDegree: PARAM_SETS[paramSet].polyModulusDegree,
      firstParmsId: BigUint64Array.from(scope.own(rt.context.firstParmsId).values),
      keyParmsId: BigUint64Array.from(scope.own(rt.context.keyParmsId).values),
      firstModuli: BigUint64Array.from(scope.own(first.parms).coeffModulus),
      keyModuli: BigUint64Array.from(scope.own(key.parms).coeffModulus),
      scale: rt.scale,
      rotationSteps: rotationSteps(paramSet),
    };
  });
}

/** Checks keys once at registration: they load, and (when rotations are needed) every declared rotation step works. */
export async function checkKeys(paramSet: ParamSetName, publicKey: Uint8Array, galoisKeys: Uint8Array, needsRotations: boolean): Promise<void> {
  const rt = await ckks(paramSet);
  await withScope((scope) => {
    const { pk, gk } = loadKeys(rt, scope, publicKey, galoisKeys);
    if (!needsRotations) return;
    if (galoisKeys.length === 0) throw new JointlabError('bad_key', 'this protocol needs Galois keys for the declared rotation steps', 'usage');
    const encryptor = scope.own(rt.seal.Encryptor(rt.context, pk));
    const zero = scope.own(encryptor.encryptZero());
    // At the last level a key switch reads the least of each key (and SEAL still refuses a step without one): the check costs a few milliseconds per step.
    rt.evaluator.cipherModSwitchTo(zero, scope.own(rt.context.lastParmsId), zero);
    const out = scope.own(rt.seal.CipherText());
    for (const step of rotationSteps(paramSet)) {
      try {
        if (step === CONJUGATION_STEP) rt.evaluator.complexConjugate(zero, gk, out);
        else rt.evaluator.rotateVector(zero, step, gk, out);
      } catch {
        throw new JointlabError('bad_key', `the Galois keys lack rotation step ${step}`, 'usage');
      }
    }
  });
}

/** A fresh ciphertext from the bank: loads, two polynomials, top level, the parameter set's scale. */
export function loadFresh(rt: CkksRuntime, scope: Scope, bytes: Uint8Array, what: string): CipherText {
  const ct = scope.own(rt.seal.CipherText());
  try {
    if (!sealBlobLooksWhole(bytes)) throw new Error();
    ct.loadArray(rt.context, bytes);
  } catch {
    throw badCipher(what);
  }
  // Every ParmsIdType getter hands out a new SEAL object: each one is owned and freed.
  const top = scope.own(rt.context.firstParmsId).values;
  const sameLevel = scope.own(ct.parmsId).values.every((v, i) => v === top[i]);
  if (ct.size !== 2 || !sameLevel || Math.abs(Math.log2(ct.scale) - Math.log2(rt.scale)) > 0.01) throw badCipher(what);
  return ct;
}

export function encodeAt(rt: CkksRuntime, scope: Scope, values: Float64Array, scale: number, like: CipherText) {
  const plain = scope.own(rt.encoder.encode(values, scale));
  rt.evaluator.plainModSwitchTo(plain, scope.own(like.parmsId), plain);
  return plain;
}

/**
 * A high-probability bound on the computation noise of one output slot, in the value domain. Fresh
 * noise is at most 6 sigma sqrt(N) per slot; multiplying by a plaintext scales it by that plaintext's
 * slot values, and independent fresh noises add in quadrature (so `freshL2` is the root sum of
 * squares of the largest plaintext value met by each fresh ciphertext). Plaintext encoding rounds
 * each slot by about sqrt(N) / scale, and that rounding is multiplied by what it meets (`rows` for
 * the 0/1 labels, `inputL1` for the totals the second factor meets). Key switching adds a fixed
 * amount (once: rotations run before a rescale, see below). All of it is carried through the second
 * factor's largest absolute row sum.
 *
 * Enc(X^T y)'s totals (`columnL2` given) are sums over every row, and that adds two terms the model
 * above misses, measured against the bank's secret key (test/enclave/he/noise-bound.test.ts):
 * - each label slot carries noise (the bank's encryption, the enclave's re-randomization and the key
 *   switch of taking its real part: a per-slot standard deviation of 29,900 / scale at n16384 and
 *   8,000 / scale at n8192, measured over 8,192 slots), and a total sums it times every row's value,
 *   so its standard deviation is that times the column's Euclidean norm: 6 of them bound it;
 * - a part that depends on no value (it stays when every label is zero and the columns are tiny):
 *   key-switching noise, measured end to end rather than derived, and bounded by twice the worst error
 *   of a total measured (3.1e4 / scale at n16384 over 80 key pairs, 12,000 and 30,000 rows; 1.4e4 at
 *   n8192 over 80, where training does not run). Every rotation of Enc(X^T y) now runs at the
 *   products' scale, before a rescale (training-crypto.ts groupTotals), so training passes no
 *   `rotations`. While the sums within classes rotated after the rescale, adding up the rotations'
 *   noise of every slot of a class, this part alone was 6.2e7.
 * Without these terms the worst error of a total was up to 6 times the estimate at n16384 while the
 * sums rotated after the rescale; now the worst error over 20 key pairs at either set stays under 0.8
 * of the whole estimate (test/enclave/he/noise-bound.test.ts). Both terms were measured with honest
 * keys and encryptions: a bank that adds noise to its own labels' slots meets the label check first
 * (a label off by 1e-3 moves every answer slot by about one unit). The label check's own spill into the
 * other classes (its factors' encoding rounding times Enc(u (u - 2))'s noise) is not in this
 * estimate: it comes from the labels and the enclave's secret factors, not from any platform value.
 */
export interface NoiseInputs {
  /** Root sum of squares, over fresh ciphertexts, of the largest |plaintext value| each one is multiplied by. */
  freshL2: number;
  /** Rows summed (labels are 0/1, so rounding of the first factor meets at most this much). */
  rows: number;
  /** Largest absolute row sum of the second plaintext factor (1 when there is none). */
  weightL1: number;
  /** Sum over the second factor's inputs of a bound on their magnitude (0 when there is no second factor). */
  inputL1: number;
  /** Enc(X^T y) only: the largest Euclidean norm, over all rows, of a column the labels meet. */
  columnL2?: number;
}

/** Per-slot standard deviation of a label after re-randomization and 2 Re (times the scale), measured and rounded up. */
const LABEL_SLOT_STD: Record<ParamSetName, number> = { n8192: 8_500, n16384: 31_000 };

/** The value-independent error of an Enc(X^T y) total (times the scale): twice the worst measured. */
const XTY_RESIDUAL: Record<ParamSetName, number> = { n8192: 3e4, n16384: 7e4 };

/** The largest absolute row sum of a round's D x D matrix (row-major): how much it can amplify one total's noise in an output slot (`weightL1`). */
export function matrixL1(matrix: Float64Array, D: number): number {
  let largest = 0;
  for (let k = 0; k < D; k++) {
    let row = 0;
    for (let j = 0; j < D; j++) row += Math.abs(matrix[k * D + j]);
    largest = Math.max(largest, row);
  }
  return largest;
}

export function noiseEstimate(paramSet: ParamSetName, e: NoiseInputs): number {
  const set = PARAM_SETS[paramSet];
  const n = set.polyModulusDegree;
  const scale = 2 ** set.scaleBits;
  const rounding = Math.sqrt(n);
  const fresh = 6 * SIGMA * Math.sqrt(n);
  const keySwitch = 2 ** 10 * Math.sqrt(n);
  const summed = e.columnL2 === undefined ? 0 : 6 * LABEL_SLOT_STD[paramSet] * e.columnL2 + XTY_RESIDUAL[paramSet];
  const perTotal = (e.rows * rounding + e.freshL2 * fresh + keySwitch + summed) / scale;
  return e.weightL1 * perTotal + (rounding * e.inputL1) / 2 ** set.secondScaleBits + rounding / scale;
}

export interface FloodPolicy {
  /** Target log2 of flood over estimated computation noise. */
  bits: number;
  /** Fewest bits accepted before the request is refused. */
  minBits: number;
  /** Largest value-domain noise the result may carry (its needed precision). */
  precision: number;
}

export const DEFAULT_FLOOD: FloodPolicy = { bits: 30, minBits: 12, precision: 1e-5 };

export function floodSize(policy: FloodPolicy, estimate: number, paramSet?: ParamSetName): FloodReport {
  const wanted = estimate * 2 ** policy.bits;
  const valueStd = Math.min(wanted, policy.precision);
  const bits = Math.log2(valueStd / estimate);
  if (bits < policy.minBits) {
    // Only a set that is not the largest can be told to move up; on the largest, say what lowers the noise instead.
    const largest = PARAM_SET_NAMES[PARAM_SET_NAMES.length - 1];
    const advice =
      paramSet === largest
        ? `${largest} is the largest parameter set; in training, a larger l2 or fewer categorical columns shrink how much the Newton step amplifies the noise`
        : `use the larger parameter set (${largest})`;
    throw new JointlabError('insufficient_precision', `this computation leaves only ${bits.toFixed(1)} bits of noise flooding at the precision the result needs; ${advice}`, 'validation');
  }
  return { bits, valueStd };
}

/**
 * Encoders whose top level is the level one rescale below the top (training's totals; private scoring encodes its paired columns itself, column-pairs.ts), by parameter set (null: SEAL built it otherwise). SEAL
 * encodes at a context's first level only, and encoding there and then dropping a prime costs about
 * half as much again as encoding on the two primes the product uses. A context on the parameter
 * set's primes less the dropped one has, at its top, the same parameters as that level, so the same
 * parms id, and its plaintexts multiply the model's ciphertexts as they are: checked, not assumed.
 */
const levelEncoders = new Map<ParamSetName, CKKSEncoder | null>();

export function levelEncoder(rt: CkksRuntime, level: ParmsIdType): CKKSEncoder | undefined {
  let encoder = levelEncoders.get(rt.name);
  if (encoder === undefined) {
    encoder = null;
    const bits = PARAM_SETS[rt.name].coeffBits;
    const scope = new Scope();
    try {
      const parms = scope.own(rt.seal.EncryptionParameters(rt.seal.SchemeType.ckks));
      parms.setPolyModulusDegree(PARAM_SETS[rt.name].polyModulusDegree);
      // The data primes but the last, then the special prime.
      parms.setCoeffModulus(scope.own(rt.seal.CoeffModulus.Create(PARAM_SETS[rt.name].polyModulusDegree, Int32Array.from([...bits.slice(0, -2), bits[bits.length - 1]]))));
      const context = rt.seal.Context(parms, true, rt.seal.SecurityLevel.tc128);
      const top = scope.own(context.firstParmsId).values;
      if (context.parametersSet() && top.every((v, i) => v === level.values[i])) encoder = rt.seal.CKKSEncoder(context);
      // The context stays alive with its encoder (one per parameter set and worker, never freed); else it goes.
      else context.delete();
    } finally {
      scope.dispose();
    }
    levelEncoders.set(rt.name, encoder);
  }
  return encoder ?? undefined;
}
