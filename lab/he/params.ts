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
 * Enc(X^T y) is laid out in interleaved classes: slot i belongs to class i mod CLASSES. Each design
 * column's products are folded into a class of its own (CLASSES - 1 rotations by one slot, shared by
 * all columns) and then summed within the class in passes of CLASS_FAN copies each (rotations by
 * CLASSES, CLASSES * CLASS_FAN): at N = 16384 two passes, of 32 and 16 copies, 46 rotations for two
 * Galois keys. Three passes of 8 took 21 rotations for three keys, but every rotation now runs at the
 * top level (enclave/he/training-crypto.ts groupTotals), where a whole key is 1.45 MB packed: the
 * third key took the upload past 10 MB (10.48 MB for 30,000 labels).
 */
export const CLASSES = 16;
export const CLASS_FAN = 32;

/** SEAL workers that fold shares of the label blocks at once (enclave/he/seal-pool.ts encryptedXtyShared); their folds are summed. */
export const XTY_SHARES = 2;

/** The passes of the sum within a class over `slots` slots: rotate by `step`, add, `copies` times in all. */
export function classSumPasses(slots: number): { step: number; copies: number }[] {
  const passes: { step: number; copies: number }[] = [];
  for (let step = CLASSES, members = slots / CLASSES; members > 1; ) {
    const copies = Math.min(CLASS_FAN, members);
    passes.push({ step, copies });
    step *= copies;
    members /= copies;
  }
  return passes;
}

export function rotationSteps(name: ParamSetName): number[] {
  // Step 0 is SEAL's complex conjugation: the enclave keeps only the real part of the labels (CKKS slots are complex).
  return [1, ...classSumPasses(slotsOf(name)).map((p) => p.step), CONJUGATION_STEP];
}

/**
 * SEAL's Galois element for a rotation by `step` (GaloisTool::get_elt_from_step): 2N - 1 for step 0
 * (complex conjugation), else 3^step mod 2N, a negative step taken as N/2 minus its size; SEAL
 * refuses steps of N/2 slots or more either way, and so does this.
 */
export function galoisElement(step: number, n: number): number {
  if (!Number.isInteger(step) || Math.abs(step) >= n / 2) throw new RangeError(`no rotation by ${step} slots of ${n / 2}`);
  if (step === 0) return 2 * n - 1;
  let element = 1;
  for (let k = 0, steps = step < 0 ? n / 2 + step : step; k < steps; k++) element = (element * 3) % (2 * n);
  return element;
}

/** The rotation "step" SEAL reads as complex conjugation. */
export const CONJUGATION_STEP = 0;

