/**
 * Named CKKS parameter sets. Both meet the 128-bit HomomorphicEncryption.org bound for their ring
 * (N = 8192: at most 218 bits of coefficient modulus; N = 16384: at most 438). Two multiplicative
 * levels are all the protocols need: X^T y (labels times features) and one plaintext matrix product.
 */

export interface ParamSet {
  polyModulusDegree: number;
  /**
   * Bit sizes of the coefficient-modulus primes; the last is the special (key-switching) prime. The
   * data primes are dropped from the end: the first rescale divides by a `scaleBits` prime, the
   * second by a larger one, which lets the second product use a finer plaintext scale.
   */
  coeffBits: number[];
  /** Scale of fresh ciphertexts and of the first plaintext factor. */
  scaleBits: number;
  /** Scale of the second plaintext factor (the Newton matrix or the score basis). */
  secondScaleBits: number;
}

export const PARAM_SETS = {
  n8192: { polyModulusDegree: 8192, coeffBits: [60, 40, 40, 60], scaleBits: 40, secondScaleBits: 40 },
  n16384: { polyModulusDegree: 16384, coeffBits: [60, 60, 50, 60], scaleBits: 50, secondScaleBits: 60 },
} as const satisfies Record<string, ParamSet>;

export type ParamSetName = keyof typeof PARAM_SETS;
export const PARAM_SET_NAMES = Object.keys(PARAM_SETS) as ParamSetName[];

export const slotsOf = (name: ParamSetName): number => PARAM_SETS[name].polyModulusDegree / 2;

/**
 * Rotation steps for summing all slots: powers of 8 below the slot count. Each level needs up to
 * seven rotations by the same step, so four or five Galois keys do what twelve or thirteen
 * power-of-two keys would, at a quarter of the upload.
 */
export const ROTATION_BASE = 8;

export function rotationSteps(name: ParamSetName): number[] {
  const steps: number[] = [];
  for (let p = 1; p < slotsOf(name); p *= ROTATION_BASE) steps.push(p);
  // Step 0 is SEAL's complex conjugation: the enclave keeps only the real part of the labels (CKKS slots are complex).
  steps.push(CONJUGATION_STEP);
  return steps;
}

/** The rotation "step" SEAL reads as complex conjugation. */
export const CONJUGATION_STEP = 0;
