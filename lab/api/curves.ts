/** The released curves of a trained job, coarsened so that every figure stands for at least k test rows. */

export interface CurvePoint {
  threshold: number;
  fpr: number;
  tpr: number;
  /** Rows since the previous point: never fewer than k. */
  rows: number;
}

/** One band of the score distribution: how many good and bad test rows scored in it (null: fewer than k). */
export interface ScoreBand {
  /** Lowest and highest score in the band, to three significant digits (a raw score is one enterprise's). */
  from: number;
  to: number;
  good: number | null;
  bad: number | null;
}

/**
 * A decile of the test rows by score (adjacent deciles pooled until both classes have k rows): mean
 * predicted probability against the observed default rate.
 */
export interface CalibrationBin {
  predicted: number;
  /** Null only when even all rows pooled have a class under k: the rate would count a handful of them. */
  observed: number | null;
  rows: number | null;
}

export interface Curves {
  roc: CurvePoint[];
  distribution: ScoreBand[];
  calibration: CalibrationBin[];
}
