/**
 * What a dataset's usage report may show a data provider: counts of jobs and banks only from k up,
 * and a column's information value or share of the lift only when models of at least MIN_BANKS
 * banks stand behind it, so that no figure describes one bank's model.
 */

export const USAGE_MIN_BANKS = 2;

/** A count of jobs or banks: null from 1 to k - 1 (zero stays zero). */
export const usageCount = (n: number, k: number): number | null => (n > 0 && n < k ? null : n);

/** A model-derived figure for a column, to four decimals, or null when too few banks stand behind it. */
export const usageFigure = (value: number, banks: number): number | null => (banks >= USAGE_MIN_BANKS ? Number(value.toFixed(4)) + 0 : null);
