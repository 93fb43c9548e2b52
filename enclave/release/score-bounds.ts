/**
 * Public bounds on private scoring's basis values: the flood's noise estimate (and so the `flood.bits`
 * an answer reports, and whether a request is refused for too little flooding) is computed from these
 * and the model's terms alone, never from the enterprises in the batch, and every basis value is
 * clipped to its bound so that the estimate holds. Sized from the data, the reported bits gave away
 * |z| of a one-enterprise request's value (test/enclave/he/flood-report-leak.test.ts).
 */
import type { BasisTerm } from '../he/design';

/**
 * Largest |z| a standardized term carries into an encrypted score: an enterprise further out is
 * scored as if it sat 32 standard deviations from the mean. 512 such terms still leave more than the
 * 12 bits of flooding a score needs at n16384.
 */
export const Z_TERM_BOUND = 32;

/** Each term's bound: missing flags, levels and bins are 0 or 1; standardized values Z_TERM_BOUND. */
export function termBounds(terms: readonly BasisTerm[]): number[] {
  return terms.map((t) => (t.kind === 'z' ? Z_TERM_BOUND : 1));
}
