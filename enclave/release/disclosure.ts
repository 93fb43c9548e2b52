/**
 * Statistical disclosure control of single figures about a population the bank cannot choose
 * (dataset aggregates, consent counts): a count that stands for fewer than k rows is suppressed, the
 * others are rounded. Figures about a job's population, which the bank does choose, are noisy as
 * well (population.ts): deterministic rounding alone can be differenced across two chosen populations.
 */

/** Released counts are rounded to a multiple of this. */
export const COUNT_ROUNDING = 5;

/** A count as it may be released: null when it stands for 1 to k - 1 rows, otherwise rounded (zero stays zero). */
export function releaseCount(n: number, k: number): number | null {
  if (n === 0) return 0;
  if (n < k) return null;
  return Math.round(n / COUNT_ROUNDING) * COUNT_ROUNDING;
}
