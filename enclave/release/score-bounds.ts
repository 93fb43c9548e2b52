/**
 * Public bounds on private scoring's basis values: the flood's noise estimate (and so the `flood.bits`
 * an answer reports, its flood's spread and whether a request is refused for too little flooding) is
 * computed from these and the model's terms alone, never from the enterprises in the batch, and every
 * basis value is clipped to its bound so that the estimate holds. Sized from the data, the reported
 * bits gave away |z| of a one-enterprise request's value (test/enclave/he/flood-report-leak.test.ts).
 */
import type { BasisTerm } from '../he/design';

/** Which basis columns are 0/1 flags (missing, level, bin): bound 1. The others are standardized values. */
export function flagColumns(terms: readonly BasisTerm[]): boolean[] {
  return terms.map((t) => t.kind !== 'z');
}

/** The widest bound on |z| tried first: an enterprise further out is scored as if it sat there. */
export const Z_BOUND_MAX = 1024;

/**
 * The bound on standardized columns: the largest power of two up to Z_BOUND_MAX at which the model's
 * flood still keeps `minBits` plus half a bit (`bitsAt` gives the flood's bits when every standardized
 * column is bound by its argument), at least 1. It depends on the number and kind of terms alone: at
 * n16384, 64 for 30 standardized terms, 128 for 7 (scoring pairs its terms: score-crypto.ts estimateFor).
 */
export function zBound(minBits: number, bitsAt: (bound: number) => number): number {
  for (let bound = Z_BOUND_MAX; bound > 1; bound /= 2) if (bitsAt(bound) >= minBits + 0.5) return bound;
  return 1;
}

/** Each column's bound: 1 for flags, `z` for standardized values. */
export function columnBounds(flags: readonly boolean[], z: number): number[] {
  return flags.map((flag) => (flag ? 1 : z));
}
