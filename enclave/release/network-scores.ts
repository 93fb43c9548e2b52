/**
 * The test-score histogram of a network job's evaluate round as a province may contribute it: counts of
 * its test rows per cell of one fixed, coarse grid of the predicted log-odds (the hub sees the network's
 * sum of these, so the grid is what it learns of the network's test scores), and the province's own k
 * rule on its test classes, decided before it masks anything.
 */
import { JointlabError } from '../../lab/errors';

/**
 * Cells of the grid. The released AUC and KS carry 3 decimals at a keyed point (population.ts
 * METRIC_DIGITS), so the grid only has to keep the histogram's AUC well inside that step: ties within a
 * cell count one half, which moves the AUC by the order of positives and negatives inside each cell. On
 * the synthetic network (1,193 and 10,901 test rows) 1,024 cells of 1/64 log-odds measured AUC errors of
 * 7e-6 and 5e-6 and KS errors of 0 and 7e-4 (KS is read at cell edges), where the former 65,536 cells of
 * probability gave 2e-5 and 2e-4 and 256 cells of log-odds already 4e-4 on the AUC; with only 73 test
 * positives the AUC error reaches 2e-4 (test/enclave/release/network-scores.test.ts). Log-odds rather
 * than probability: a low default rate puts most scores in the first hundredth of [0, 1], which a grid on
 * probability would lump into a few cells.
 */
export const SCORE_BINS = 1024;
/** The grid spans log-odds -8 to 8 (probabilities 0.0003 to 0.9997); scores beyond fall in the end cells. */
export const SCORE_LOGIT_SPAN = 8;

/** The cell of a predicted log-odds (a NaN score, which a fitted model does not give, counts in the lowest cell). */
export function scoreCell(logit: number): number {
  const cell = Math.floor(((logit + SCORE_LOGIT_SPAN) / (2 * SCORE_LOGIT_SPAN)) * SCORE_BINS);
  return Number.isNaN(cell) ? 0 : Math.min(SCORE_BINS - 1, Math.max(0, cell));
}

/** Counts of test positives per cell, then test negatives per cell (2 * SCORE_BINS entries). */
export function scoreHistogram(logits: ArrayLike<number>, labels: ArrayLike<number>): Float64Array {
  const out = new Float64Array(2 * SCORE_BINS);
  for (let i = 0; i < logits.length; i++) out[(labels[i] ? 0 : SCORE_BINS) + scoreCell(logits[i])]++;
  return out;
}

/**
 * A province contributes to a network job only when its own test rows hold at least its k of each class,
 * decided on its noisy class counts (the moments' entries 2 and 3: test rows and test positives), as the
 * training classes are: the histogram it would add to stands for its own enterprises' scores.
 */
export function assertTestClasses(noisyMoments: ArrayLike<number>, k: number): void {
  const positives = noisyMoments[3];
  const negatives = noisyMoments[2] - noisyMoments[3];
  if (positives < k || negatives < k) {
    throw new JointlabError('network_too_few_test_rows', `this province's test rows hold too few of the bank's customers in a class for its k = ${k}; it does not take part`, 'conflict');
  }
}
