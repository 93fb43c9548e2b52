/**
 * The label check the bank cannot skip: under encryption, the enclave turns the bank's labels into
 * Enc(c) with c = sum_i r_i y_i (y_i - 1) for secret random r_i, and adds c times a fresh secret random
 * factor per slot into every round it answers. Labels that are all 0 or 1 make c zero (up to CKKS
 * noise) and the answer is unchanged; any other label turns every slot of every answer into noise.
 */
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys';
import type { RelinKeys } from 'node-seal/implementation/relin-keys';
import { randomBytes } from 'node:crypto';
import { JointlabError } from '../../lab/errors';
import { PARAM_SETS } from '../../lab/he/params';
import { CkksRuntime, Scope } from '../../lab/he/seal-runtime';
import { LABEL_CHECK } from '../release/he-rounds';

/** Uniform in [-2, -1] or [1, 2], from the operating system's randomness: never zero, never small. */
export function secretFactors(count: number): Float64Array {
  const bytes = randomBytes(4 * count);
  return Float64Array.from({ length: count }, (_, i) => {
    const u = bytes.readUInt32LE(4 * i);
    const magnitude = 1 + (u >>> 1) / 2 ** 31;
    return u & 1 ? magnitude : -magnitude;
  });
}

/**
 * 2 Re(y) of each label ciphertext, y plus its complex conjugate: CKKS slots are complex, and a bank
 * could hide a lookup in the real part behind an imaginary part that zeroes the real part of
 * y (y - 1). Both X^T y and the check then see the same real labels (doubled; the columns are halved).
 */
export function realParts(rt: CkksRuntime, scope: Scope, labels: CipherText[], gk: GaloisKeys): CipherText[] {
  return labels.map((label) => {
    const real = scope.own(rt.seal.CipherText());
    rt.evaluator.complexConjugate(label, gk, real);
    rt.evaluator.add(real, label, real);
    return real;
  });
}

/** Relinearization keys from the bank: loaded under the session's parameters, or a 400. */
export function loadRelinKeys(rt: CkksRuntime, scope: Scope, bytes: Uint8Array, looksWhole: (b: Uint8Array) => boolean): RelinKeys {
  const rk = scope.own(rt.seal.RelinKeys());
  try {
    if (!looksWhole(bytes)) throw new Error();
    rk.loadArray(rt.context, bytes);
  } catch {
    throw new JointlabError('bad_key', "the relinearization keys do not load under this session's parameters", 'usage');
  }
  return rk;
}

/**
 * Enc(c) in every slot, one level below the labels, from the doubled real labels u = 2 Re(y): per
 * block u (u - 2) = 4 y (y - 1) (ciphertext times
 * ciphertext, relinearized, rescaled), times a secret random plaintext of integer coefficients (it
 * spends no level: CKKS keeps the scale), summed over blocks and then over slots.
 */
export function labelCheckTotal(rt: CkksRuntime, scope: Scope, labels: CipherText[], rk: RelinKeys, sumSlots: (ct: CipherText) => void): Uint8Array {
  // The answer's scale must equal the rounds' (Δ² / q, then the matrix's scale): labels at exactly the set's scale.
  if (labels.some((l) => l.scale !== rt.scale)) throw new JointlabError('bad_ciphertext', "a label ciphertext is not at this session's scale", 'usage');
  const twos = scope.own(rt.encoder.encode(new Float64Array(rt.slots).fill(2), rt.scale));
  const shifted = scope.own(rt.seal.CipherText());
  const z = scope.own(rt.seal.CipherText());
  const total = scope.own(rt.seal.CipherText());
  labels.forEach((label, block) => {
    rt.evaluator.subPlain(label, twos, shifted);
    rt.evaluator.multiply(label, shifted, z);
    rt.evaluator.relinearize(z, rk, z);
    rt.evaluator.rescaleToNext(z, z);
    // Random slot values of size 2^20 encoded at scale 1: integer coefficients, a multiplier the bank cannot guess.
    const r = secretFactors(rt.slots).map((v) => v * LABEL_CHECK.firstFactor);
    const plain = scope.own(rt.encoder.encode(r, 1));
    rt.evaluator.plainModSwitchTo(plain, scope.own(z.parmsId), plain);
    rt.evaluator.multiplyPlain(z, plain, z);
    if (block === 0) total.copy(z);
    else rt.evaluator.add(total, z, total);
  });
  sumSlots(total);
  return total.saveArray(rt.seal.ComprModeType.zstd);
}

/**
 * Adds Enc(c · F · rho) to a round's answer, rho a fresh secret factor per slot: with binary labels c
 * is CKKS noise and the answer keeps its precision; otherwise each slot moves by its own unknown amount.
 */
export function applyLabelCheck(rt: CkksRuntime, scope: Scope, result: CipherText, check: Uint8Array, gain: number): void {
  const c = scope.own(rt.seal.CipherText());
  try {
    c.loadArray(rt.context, check);
  } catch {
    throw new JointlabError('bad_ciphertext', 'the stored label check does not load', 'usage');
  }
  const factors = secretFactors(rt.slots).map((v) => v * gain);
  const plain = scope.own(rt.encoder.encode(factors, 2 ** PARAM_SETS[rt.name].secondScaleBits));
  rt.evaluator.plainModSwitchTo(plain, scope.own(c.parmsId), plain);
  rt.evaluator.multiplyPlain(c, plain, c);
  rt.evaluator.rescaleToNext(c, c);
  rt.evaluator.add(result, c, result);
}
