/**
 * Curves drawn from the test rows' labels and scores as a job releases them: coarsened (models/curves.ts)
 * so that every figure stands for at least k rows, and every count and share passed through the
 * disclosure rule. The report and the console draw only these; the rows themselves never leave.
 */
import { CalibrationBin, CountRule, Curves, ScoreBand, calibration as exactCalibration, coarseRoc, scoreDistribution as exactDistribution } from '../../models/curves';
import { releaseCount } from './disclosure';
import { PopulationNoise, noisyCount, releasedShare } from './population';

export type { CalibrationBin, CountRule, CurvePoint, Curves, ScoreBand } from '../../models/curves';
export { coarseRoc, equalCountRuns, pooledRuns } from '../../models/curves';

const significant = (x: number): number => Number(x.toPrecision(3));

/** The score distribution with counts under the release rule (rounded, null under k) unless told otherwise. */
export function scoreDistribution(labels: Uint8Array, scores: Float64Array, k: number, count: CountRule = (n) => releaseCount(n, k)): ScoreBand[] {
  return exactDistribution(labels, scores, k, count);
}

/** Calibration with counts under the release rule unless told otherwise. */
export function calibration(labels: Uint8Array, scores: Float64Array, k: number, count: CountRule = (n) => releaseCount(n, k), share?: (x: number) => number): CalibrationBin[] {
  return exactCalibration(labels, scores, k, count, share);
}

/**
 * The curves as a job releases them: every count noisy (keyed to the population) and every share
 * (ROC coordinates, observed rates) to two decimals at a keyed random point. Exact fractions such as
 * fp / negatives would give away the exact class counts of the test rows, and so who joined.
 */
export function releasedCurves(labels: Uint8Array, scores: Float64Array, k: number, noise: PopulationNoise): Curves {
  const counts = noise.uniform('curves.counts');
  const shares = noise.uniform('curves.shares');
  const count: CountRule = (n) => noisyCount(n, k, counts);
  const roc = coarseRoc(labels, scores, k).map((p, i) =>
    i === 0 ? p : { threshold: significant(p.threshold), fpr: releasedShare(p.fpr, shares), tpr: releasedShare(p.tpr, shares), rows: count(p.rows) ?? k },
  );
  return { roc, distribution: scoreDistribution(labels, scores, k, count), calibration: calibration(labels, scores, k, count, (x) => releasedShare(x, shares)) };
}
