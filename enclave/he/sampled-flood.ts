/**
 * Noise flooding from a sampled polynomial: a ciphertext (e, 0) whose first polynomial holds integers
 * drawn independently per coefficient from a rounded Gaussian (node:crypto's generator through
 * Box-Muller), added to a result together with one fresh encryption of zero. The sum decrypts to the
 * result plus e in every coefficient, and its second polynomial is re-randomized by the zero. It
 * replaced a ladder of 6 to 13 encryptions of zero, each scaled by a constant (1, r, r^2, ...: one
 * scaled zero alone adds only multiples of its factor, and a bank could read the result modulo it),
 * with one encryption and two NTTs: each encryption of zero costs more than the whole sample.
 */
import { randomFillSync } from 'node:crypto';
import type { CipherText } from 'node-seal/implementation/cipher-text';
import { CkksRuntime, Scope } from '../../lab/he/seal-runtime';
import { writeResidues } from './rns-residues';
import { CIPHER_DATA_AT, cipherBytes } from '../../lab/he/seal-objects';

/**
 * `n` integers, each a standard normal times `std` rounded to the nearest integer, from 53-bit
 * uniforms of node:crypto's generator (two per pair of samples, Box-Muller).
 */
export function gaussianIntegers(n: number, std: number): Float64Array {
  // Far tails past 2^52 cannot be written exactly; a flood that wide would swamp any modulus we use anyway.
  if (!(std >= 0) || std > 2 ** 46) throw new RangeError(`a flood's standard deviation is between 0 and 2^46, not ${std}`);
  const words = new Uint32Array(2 * (n + (n % 2)));
  randomFillSync(words);
  const out = new Float64Array(n);
  // (0, 1]: never 0, whose logarithm is infinite.
  const uniform = (k: number): number => ((words[k] >>> 5) * 67108864 + (words[k + 1] >>> 6) + 1) / 9007199254740992;
  for (let i = 0, k = 0; i < n; i += 2, k += 4) {
    const r = std * Math.sqrt(-2 * Math.log(uniform(k)));
    const theta = 2 * Math.PI * uniform(k + 2);
    out[i] = Math.round(r * Math.cos(theta));
    if (i + 1 < n) out[i + 1] = Math.round(r * Math.sin(theta));
  }
  return out;
}

/**
 * Integers X^(N/2) g, g Gaussian of `std` with g_(N-l) = -g_l and g_(N/2) = 0: such a g is fixed by
 * X -> X^-1, complex conjugation of the slots, so its slots are real, and X^(N/2) is ±i at every
 * slot's root, so these add noise to each slot's imaginary part only, std sqrt(N) / scale in the
 * value domain, and nothing to any real part.
 */
export function imaginaryNoise(n: number, std: number): Float64Array {
  const half = n / 2;
  const g = gaussianIntegers(half, std);
  // X^(N/2) g, a negacyclic shift by N/2: g_l lands at N/2 + l, and -g_(N-l) = g_l wraps to N/2 - l.
  const h = new Float64Array(n);
  h[half] = g[0];
  for (let l = 1; l < half; l++) {
    h[half + l] = g[l];
    h[half - l] = g[l];
  }
  return h;
}

/**
 * Adds to `result` the fresh encryption of zero `zero` (made at `result`'s level under the bank's
 * public key, used for this result only) and (e, 0) with e Gaussian of `coefficientStd` per
 * coefficient, plus, with `imaginaryStd`, noise in the slots' imaginary parts only (imaginaryNoise).
 * Returns nothing; `result` stays at its level and scale.
 */
export function addSampledFlood(rt: CkksRuntime, scope: Scope, result: CipherText, zero: CipherText, coefficientStd: number, imaginaryStd = 0): void {
  const parmsId = scope.own(result.parmsId);
  const moduli = scope.own(scope.own(rt.context.getContextData(parmsId)).parms).coeffModulus;
  const n = rt.slots * 2;
  const bytes = cipherBytes(n, moduli.length, parmsId.values, result.scale);
  const noise = gaussianIntegers(n, coefficientStd);
  if (imaginaryStd > 0) {
    const imaginary = imaginaryNoise(n, imaginaryStd);
    for (let i = 0; i < n; i++) noise[i] += imaginary[i];
  }
  writeResidues(bytes, CIPHER_DATA_AT, noise, moduli);
  const sampled = scope.own(rt.seal.CipherText());
  sampled.loadArray(rt.context, bytes);
  // (e, 0) alone is transparent and SEAL will not transform it: it joins the zero in coefficient form first.
  rt.evaluator.cipherTransformFromNtt(zero, zero);
  zero.setScale(result.scale);
  rt.evaluator.add(zero, sampled, zero);
  rt.evaluator.cipherTransformToNtt(zero, zero);
  rt.evaluator.add(result, zero, result);
}
