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
import { JointlabError } from '../../lab/errors';
import { CONJUGATION_STEP, PARAM_SETS, PARAM_SET_NAMES, ParamSetName, ROTATION_BASE, rotationSteps } from '../../lab/he/params';
import { CkksRuntime, Scope, ckks, withScope } from '../../lab/he/seal-runtime';
import { applyLabelCheck, labelCheckTotal, loadRelinKeys, realParts } from './label-check';
import type { ParamFacts } from './seal-bytes';
import type { FloodReport } from '../../lab/api/he-sessions';

/** Fresh-encryption noise standard deviation SEAL samples (its default, 3.2 rounded as SEAL does). */
const SIGMA = 3.19;

/**
 * SEAL's 16-byte serialization header: magic 0xA15E, header size 16, a known compression mode, and
 * a total size equal to the bytes at hand. Checked before SEAL parses anything.
 */
function sealBlobLooksWhole(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint16(0, true) === 0xa15e && view.getUint8(2) === 16 && view.getUint8(5) <= 2 && Number(view.getBigUint64(8, true)) === bytes.length;
}

function badCipher(what: string): JointlabError {
  return new JointlabError('bad_ciphertext', `${what} does not load under this session's parameters`, 'usage');
}

/** Loads the session's keys into a scope; malformed or mismatched bytes are a 400, not a crash. */
function loadKeys(rt: CkksRuntime, scope: Scope, publicKey: Uint8Array, galoisKeys: Uint8Array): { pk: PublicKey; gk: GaloisKeys } {
  const pk = scope.own(rt.seal.PublicKey());
  const gk = scope.own(rt.seal.GaloisKeys());
  try {
    if (!sealBlobLooksWhole(publicKey)) throw new Error();
    pk.loadArray(rt.context, publicKey);
  } catch {
    throw new JointlabError('bad_key', "the public key does not load under this session's parameters", 'usage');
  }
  if (galoisKeys.length === 0) return { pk, gk };
  try {
    if (!sealBlobLooksWhole(galoisKeys)) throw new Error();
    gk.loadArray(rt.context, galoisKeys);
  } catch {
    throw new JointlabError('bad_key', "the Galois keys do not load under this session's parameters", 'usage');
  }
  return { pk, gk };
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
function loadFresh(rt: CkksRuntime, scope: Scope, bytes: Uint8Array, what: string): CipherText {
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

function encodeAt(rt: CkksRuntime, scope: Scope, values: Float64Array, scale: number, like: CipherText) {
  const plain = scope.own(rt.encoder.encode(values, scale));
  rt.evaluator.plainModSwitchTo(plain, scope.own(like.parmsId), plain);
  return plain;
}

/** Sums every slot into every slot with the declared steps: up to seven rotations per power of eight. */
function sumSlots(rt: CkksRuntime, scope: Scope, ct: CipherText, gk: GaloisKeys): void {
  const acc = scope.own(rt.seal.CipherText());
  const rotated = scope.own(rt.seal.CipherText());
  for (let step = 1; step < rt.slots; step *= ROTATION_BASE) {
    const copies = Math.min(ROTATION_BASE, rt.slots / step);
    acc.copy(ct);
    rotated.copy(ct);
    for (let m = 1; m < copies; m++) {
      rt.evaluator.rotateVector(rotated, step, gk, rotated);
      rt.evaluator.add(acc, rotated, acc);
    }
    ct.copy(acc);
  }
}

/** Value-domain standard deviation of a public-key encryption of zero at scale 1, per parameter set. */
const freshNoise = new Map<ParamSetName, number>();

/**
 * Measures the noise of a fresh encryption of zero with a throwaway key pair of the enclave's own
 * (the only secret key the enclave ever makes, discarded at once): sizing the flood from a
 * measurement, not from a formula for SEAL's sampler.
 */
function freshNoiseStd(rt: CkksRuntime, scope: Scope): number {
  const known = freshNoise.get(rt.name);
  if (known) return known;
  const keygen = scope.own(rt.seal.KeyGenerator(rt.context));
  const secret = scope.own(keygen.secretKey());
  const pk = scope.own(keygen.createPublicKey());
  const encryptor = scope.own(rt.seal.Encryptor(rt.context, pk));
  const decryptor = scope.own(rt.seal.Decryptor(rt.context, secret));
  let sum = 0;
  let count = 0;
  for (let k = 0; k < 4; k++) {
    const zero = scope.own(encryptor.encryptZero());
    zero.setScale(1);
    const values = rt.encoder.decode(scope.own(decryptor.decrypt(zero)));
    for (const v of values) sum += v * v;
    count += values.length;
  }
  const std = Math.sqrt(sum / count);
  freshNoise.set(rt.name, std);
  return std;
}

/**
 * Adds an encryption of zero whose noise has standard deviation `valueStd` in the result's value
 * domain: a fresh public-key encryption of zero, its noise scaled up by multiplying with a constant
 * polynomial. The noise covers every coefficient, not only the real slot values, as flooding must.
 */
function flood(rt: CkksRuntime, scope: Scope, result: CipherText, pk: PublicKey, valueStd: number): void {
  const factor = Math.max(1, Math.round((valueStd * result.scale) / freshNoiseStd(rt, scope)));
  const encryptor = scope.own(rt.seal.Encryptor(rt.context, pk));
  const zero = scope.own(encryptor.encryptZero());
  const constant = scope.own(rt.encoder.encode(new Float64Array(rt.slots).fill(factor), 1));
  rt.evaluator.multiplyPlain(zero, constant, zero);
  rt.evaluator.cipherModSwitchTo(zero, scope.own(result.parmsId), zero);
  zero.setScale(result.scale);
  rt.evaluator.add(result, zero, result);
}

/**
 * A high-probability bound on the computation noise of one output slot, in the value domain. Fresh
 * noise is at most 6 sigma sqrt(N) per slot; multiplying by a plaintext scales it by that plaintext's
 * slot values, and independent fresh noises add in quadrature (so `freshL2` is the root sum of
 * squares of the largest plaintext value met by each fresh ciphertext). Plaintext encoding rounds
 * each slot by about sqrt(N) / scale, and that rounding is multiplied by what it meets (`rows` for
 * the 0/1 labels, `inputL1` for the totals the second factor meets). Key switching adds a fixed
 * amount per rotation. All of it is carried through the second factor's largest absolute row sum.
 */
export interface NoiseInputs {
  /** Root sum of squares, over fresh ciphertexts, of the largest |plaintext value| each one is multiplied by. */
  freshL2: number;
  /** Rows summed (labels are 0/1, so rounding of the first factor meets at most this much). */
  rows: number;
  rotations: number;
  /** Largest absolute row sum of the second plaintext factor (1 when there is none). */
  weightL1: number;
  /** Sum over the second factor's inputs of a bound on their magnitude (0 when there is no second factor). */
  inputL1: number;
}

export function noiseEstimate(paramSet: ParamSetName, e: NoiseInputs): number {
  const set = PARAM_SETS[paramSet];
  const n = set.polyModulusDegree;
  const scale = 2 ** set.scaleBits;
  const rounding = Math.sqrt(n);
  const fresh = 6 * SIGMA * Math.sqrt(n);
  const keySwitch = 2 ** 10 * Math.sqrt(n);
  const perTotal = (e.rows * rounding + e.freshL2 * fresh + (e.rotations + 1) * keySwitch) / scale;
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

export interface XtyInput {
  paramSet: ParamSetName;
  publicKey: Uint8Array;
  galoisKeys: Uint8Array;
  /** The bank's encrypted labels, `slots` rows per ciphertext in the upload's order. */
  labels: Uint8Array[];
  /** Design columns aligned to the same rows (zero where the platform has no such enterprise). */
  columns: Float64Array[];
  /** The bank's relinearization keys: when given, Enc(label check) is appended after the columns' totals (see label-check.ts). */
  relinKeys?: Uint8Array;
}

/**
 * Enc(X^T y): each column times the labels, summed over blocks, rescaled, then summed over slots so
 * the total stands in every slot. Computed once per session; returned serialized.
 */
export async function encryptedXty(input: XtyInput): Promise<Uint8Array[]> {
  const rt = await ckks(input.paramSet);
  return withScope((scope) => {
    const { gk } = loadKeys(rt, scope, input.publicKey, input.galoisKeys);
    // 2 Re(y): a label's imaginary part would otherwise reach the bank through the rounds, unchecked.
    const labels = realParts(rt, scope, input.labels.map((b, i) => loadFresh(rt, scope, b, `label ciphertext ${i}`)), gk);
    const rows = input.columns[0]?.length ?? 0;
    if (labels.length !== Math.ceil(rows / rt.slots)) {
      throw new JointlabError('bad_ciphertext_count', `expected ${Math.ceil(rows / rt.slots)} label ciphertexts for ${rows} rows`, 'usage');
    }
    const check = input.relinKeys ? [labelCheckTotal(rt, scope, labels, loadRelinKeys(rt, scope, input.relinKeys, sealBlobLooksWhole), (ct) => sumSlots(rt, scope, ct, gk))] : [];
    const totals = input.columns.map((column) => {
      const inner = new Scope();
      try {
        const sum = inner.own(rt.seal.CipherText());
        const product = inner.own(rt.seal.CipherText());
        let terms = 0;
        labels.forEach((label, block) => {
          const slice = new Float64Array(rt.slots);
          slice.set(column.subarray(block * rt.slots, (block + 1) * rt.slots));
          for (let i = 0; i < slice.length; i++) slice[i] *= 0.5; // the labels arrive as 2 Re(y)
          // SEAL refuses a product with an all-zero plaintext (the result would be transparent); it adds nothing anyway.
          if (slice.every((v) => v === 0)) return;
          const plain = encodeAt(rt, inner, slice, rt.scale, label);
          rt.evaluator.multiplyPlain(label, plain, terms === 0 ? sum : product);
          if (terms > 0) rt.evaluator.add(sum, product, sum);
          terms++;
        });
        // An all-zero column's total is exactly zero: marked by an empty entry, skipped in the rounds.
        if (terms === 0) return new Uint8Array(0);
        rt.evaluator.rescaleToNext(sum, sum);
        sumSlots(rt, inner, sum, gk);
        return sum.saveArray(rt.seal.ComprModeType.zstd);
      } finally {
        inner.dispose();
      }
    });
    return [...totals, ...check];
  });
}

export interface RoundInput {
  paramSet: ParamSetName;
  publicKey: Uint8Array;
  /** Enc(X^T y) from `encryptedXty`, one ciphertext per design column. */
  xty: Uint8Array[];
  /** The Newton step in the clear: new = offset + matrix (row-major D x D) times X^T y. */
  matrix: Float64Array;
  offset: Float64Array;
  noise: Omit<NoiseInputs, 'weightL1' | 'rotations'>;
  policy: FloodPolicy;
  /** Enc(label check) from `encryptedXty`, and the size of the fresh per-slot factor it is added with. */
  check?: { cipher: Uint8Array; gain: number };
}

/** Enc(offset + matrix · X^T y), flooded: the bank's new weights, readable only with its secret key. */
export async function newtonRound(input: RoundInput): Promise<{ cipher: Uint8Array; flood: FloodReport }> {
  const rt = await ckks(input.paramSet);
  const d = input.offset.length;
  return withScope((scope) => {
    const pk = scope.own(rt.seal.PublicKey());
    pk.loadArray(rt.context, input.publicKey);
    const result = scope.own(rt.seal.CipherText());
    const term = scope.own(rt.seal.CipherText());
    const s = scope.own(rt.seal.CipherText());
    // The largest row sum of |matrix|: how much the noise of X^T y can be amplified in one output slot.
    let weightL1 = 0;
    for (let k = 0; k < d; k++) {
      let row = 0;
      for (let j = 0; j < d; j++) row += Math.abs(input.matrix[k * d + j]);
      weightL1 = Math.max(weightL1, row);
    }
    let terms = 0;
    for (let j = 0; j < d; j++) {
      if (input.xty[j].length === 0) continue;
      try {
        s.loadArray(rt.context, input.xty[j]);
      } catch {
        throw badCipher(`stored total ${j}`);
      }
      const column = new Float64Array(rt.slots);
      for (let k = 0; k < d; k++) column[k] = input.matrix[k * d + j];
      if (column.every((v) => v === 0)) continue;
      const plain = encodeAt(rt, scope, column, 2 ** PARAM_SETS[input.paramSet].secondScaleBits, s);
      rt.evaluator.multiplyPlain(s, plain, terms === 0 ? result : term);
      if (terms > 0) rt.evaluator.add(result, term, result);
      terms++;
    }
    rt.evaluator.rescaleToNext(result, result);
    if (input.check) applyLabelCheck(rt, scope, result, input.check.cipher, input.check.gain);
    const offset = new Float64Array(rt.slots);
    offset.set(input.offset);
    const plainOffset = encodeAt(rt, scope, offset, result.scale, result);
    rt.evaluator.addPlain(result, plainOffset, result);
    const estimate = noiseEstimate(input.paramSet, { ...input.noise, rotations: rotationsPerSum(rt.slots), weightL1 });
    const report = floodSize(input.policy, estimate, input.paramSet);
    flood(rt, scope, result, pk, report.valueStd);
    return { cipher: result.saveArray(rt.seal.ComprModeType.zstd), flood: report };
  });
}

export function rotationsPerSum(slots: number): number {
  let count = 0;
  for (let step = 1; step < slots; step *= ROTATION_BASE) count += Math.min(ROTATION_BASE, slots / step) - 1;
  return count;
}

export interface ScoreInput {
  paramSet: ParamSetName;
  publicKey: Uint8Array;
  /** Encrypted coefficients, one per basis column, each replicated in every slot; the last is the constant term. */
  coefficients: Uint8Array[];
  /** Basis columns over the enterprises to score (at most `slots` of them). */
  basis: Float64Array[];
  policy: FloodPolicy;
}

/** Enc(constant + sum_t coefficient_t * basis_t), one enterprise per slot, flooded. */
export async function encryptedScores(input: ScoreInput): Promise<{ cipher: Uint8Array; flood: FloodReport }> {
  const rt = await ckks(input.paramSet);
  return withScope((scope) => {
    const pk = scope.own(rt.seal.PublicKey());
    pk.loadArray(rt.context, input.publicKey);
    if (input.coefficients.length !== input.basis.length + 1) {
      throw new JointlabError('bad_ciphertext_count', `expected ${input.basis.length + 1} coefficient ciphertexts`, 'usage');
    }
    const coefficients = input.coefficients.map((b, i) => loadFresh(rt, scope, b, `coefficient ciphertext ${i}`));
    const result = scope.own(rt.seal.CipherText());
    const term = scope.own(rt.seal.CipherText());
    let freshSquares = 0;
    // The constant (times ones) goes first, so the sum starts from a product that is never zero.
    const ones = new Float64Array(rt.slots).fill(1);
    const order = [input.basis.length, ...input.basis.keys()];
    order.forEach((t, position) => {
      const column = t === input.basis.length ? ones : input.basis[t];
      let max = 0;
      for (const v of column) max = Math.max(max, Math.abs(v));
      if (max === 0) return;
      freshSquares += max * max;
      const slots = new Float64Array(rt.slots);
      slots.set(column);
      const plain = encodeAt(rt, scope, slots, rt.scale, coefficients[t]);
      rt.evaluator.multiplyPlain(coefficients[t], plain, position === 0 ? result : term);
      if (position > 0) rt.evaluator.add(result, term, result);
    });
    rt.evaluator.rescaleToNext(result, result);
    // Coefficients are the bank's fresh ciphertexts; the basis is the plaintext factor.
    const estimate = noiseEstimate(input.paramSet, { freshL2: Math.sqrt(freshSquares), rows: 0, rotations: 0, weightL1: 1, inputL1: 0 });
    const report = floodSize(input.policy, estimate, input.paramSet);
    flood(rt, scope, result, pk, report.valueStd);
    return { cipher: result.saveArray(rt.seal.ComprModeType.zstd), flood: report };
  });
}
