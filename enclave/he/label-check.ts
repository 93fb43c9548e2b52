/**
 * The label check the bank cannot skip: under encryption, the enclave turns the bank's labels into
 * Enc(c) with c = sum_i r_i y_i (y_i - 1) for secret random r_i, and adds c times a fresh secret random
 * factor per slot into every round it answers (the factors ride in the round's diagonals). Labels that are all 0 or 1 make c zero (up to CKKS
 * noise) and the answer is unchanged; any other label turns every slot of every answer into noise.
 */
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys';
import type { RelinKeys } from 'node-seal/implementation/relin-keys';
import { randomBytes } from 'node:crypto';
import { JointlabError } from '../../lab/errors';
import { CkksRuntime, Scope } from '../../lab/he/seal-runtime';

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
 * Enc(u (u - 2)) = Enc(4 y (y - 1)) per block, from the doubled real labels u = 2 Re(y) (ciphertext
 * times ciphertext, relinearized, not rescaled: at the labels' level and the scale of the columns'
 * products, which Enc(X^T y) rescales only after its rotations). Enc(X^T y) multiplies each block by
 * secret random factors and folds it into the check's class (training-crypto.ts), so that
 * c = sum_i r_i y_i (y_i - 1) stands in every slot of that class.
 */
export function labelCheckBlocks(rt: CkksRuntime, scope: Scope, labels: CipherText[], rk: RelinKeys): CipherText[] {
  // The answer's scale must equal the rounds' (Δ², then Δ² / q after Enc(X^T y)'s rescale, then the matrix's scale): labels at exactly the set's scale.
  if (labels.some((l) => l.scale !== rt.scale)) throw new JointlabError('bad_ciphertext', "a label ciphertext is not at this session's scale", 'usage');
  const twos = scope.own(rt.encoder.encode(new Float64Array(rt.slots).fill(2), rt.scale));
  const shifted = scope.own(rt.seal.CipherText());
  return labels.map((label) => {
    const z = scope.own(rt.seal.CipherText());
    rt.evaluator.subPlain(label, twos, shifted);
    rt.evaluator.multiply(label, shifted, z);
    rt.evaluator.relinearize(z, rk, z);
    return z;
  });
}
