/**
 * Curves of a model's scores against the labels, in runs of at least k rows: the ROC curve, the score
 * distribution by class and calibration by decile. Pure arithmetic: the enclave passes its k and its
 * disclosure rule for counts (enclave/release/curves.ts); a local report passes k = 1 and exact counts.
 */

/** How a count is shown: as it is by default; the enclave passes its disclosure rule (rounded, noisy, null under k). */
export type CountRule = (n: number) => number | null;

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

const DISTRIBUTION_BANDS = 20;
const CALIBRATION_BINS = 10;

const significant = (x: number): number => Number(x.toPrecision(3));
const rounded = (x: number, digits = 4): number => Number(x.toFixed(digits));

/**
 * Splits rows sorted by score into about `groups` runs of equal size, cutting only where the score
 * changes and never leaving a run of fewer than k rows (the last run absorbs a short tail).
 */
export function equalCountRuns(sorted: ArrayLike<number>, groups: number, k: number): [number, number][] {
  const n = sorted.length;
  const target = Math.max(k, Math.ceil(n / groups), 1);
  const runs: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const tieEnds = i === n - 1 || sorted[i + 1] !== sorted[i];
    if (tieEnds && i + 1 - start >= target && (n - i - 1 >= k || i === n - 1)) {
      runs.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < n) {
    if (runs.length) runs[runs.length - 1][1] = n;
    else runs.push([0, n]);
  }
  return runs;
}

/**
 * ROC points at tie boundaries, keeping a point only once at least k rows lie between it and the
 * previous kept point (and k rows remain after it), so no point can be traced to fewer than k rows.
 */
export function coarseRoc(labels: Uint8Array, scores: Float64Array, k: number): CurvePoint[] {
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
  let pos = 0;
  for (const y of labels) pos += y;
  const neg = labels.length - pos;
  const points: CurvePoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0, rows: 0 }];
  let tp = 0;
  let fp = 0;
  let since = 0;
  for (let r = 0; r < order.length; r++) {
    const i = order[r];
    if (labels[i]) tp++;
    else fp++;
    since++;
    const tieEnds = r === order.length - 1 || scores[order[r + 1]] !== scores[i];
    const remaining = order.length - r - 1;
    if (tieEnds && since >= k && (remaining >= k || remaining === 0)) {
      points.push({ threshold: scores[i], fpr: fp / neg, tpr: tp / pos, rows: since });
      since = 0;
    }
  }
  return points;
}

/** Rows in ascending score order, with the labels alongside. */
function ascending(labels: Uint8Array, scores: Float64Array): { scores: Float64Array; labels: Uint8Array } {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b]);
  return { scores: Float64Array.from(order, (i) => scores[i]), labels: Uint8Array.from(order, (i) => labels[i]) };
}

function badIn(labels: Uint8Array, [from, to]: [number, number]): number {
  let bad = 0;
  for (let i = from; i < to; i++) bad += labels[i];
  return bad;
}

export function scoreDistribution(labels: Uint8Array, scores: Float64Array, k: number, count: CountRule = (n) => n): ScoreBand[] {
  const sorted = ascending(labels, scores);
  return equalCountRuns(sorted.scores, DISTRIBUTION_BANDS, k).map((run) => {
    const bad = badIn(sorted.labels, run);
    const good = run[1] - run[0] - bad;
    return { from: significant(sorted.scores[run[0]]), to: significant(sorted.scores[run[1] - 1]), good: count(good), bad: count(bad) };
  });
}

/**
 * Pools adjacent runs until each holds at least k rows of either class (a short tail joins the run
 * before it): low-risk deciles often hold only a few defaults, and their rate would count them.
 */
export function pooledRuns(labels: Uint8Array, runs: [number, number][], k: number): [number, number][] {
  const enough = (run: [number, number]): boolean => {
    const bad = badIn(labels, run);
    return bad >= k && run[1] - run[0] - bad >= k;
  };
  const pooled: [number, number][] = [];
  let open: [number, number] | undefined;
  for (const run of runs) {
    open = open ? [open[0], run[1]] : [...run];
    if (enough(open)) {
      pooled.push(open);
      open = undefined;
    }
  }
  if (open) {
    if (pooled.length) pooled[pooled.length - 1][1] = open[1];
    else pooled.push(open);
  }
  return pooled;
}

export function calibration(
  labels: Uint8Array,
  scores: Float64Array,
  k: number,
  count: CountRule = (n) => n,
  share: (x: number) => number = (x) => rounded(x),
): CalibrationBin[] {
  const sorted = ascending(labels, scores);
  return pooledRuns(sorted.labels, equalCountRuns(sorted.scores, CALIBRATION_BINS, k), k).map((run) => {
    const rows = run[1] - run[0];
    const bad = badIn(sorted.labels, run);
    let sum = 0;
    for (let i = run[0]; i < run[1]; i++) sum += sorted.scores[i];
    const observed = bad >= k && rows - bad >= k ? share(bad / rows) : null;
    return { predicted: rounded(sum / rows), observed, rows: count(rows) };
  });
}


/** Every curve with exact counts, a point at every tie boundary (k = 1): what a local report draws. */
export function exactCurves(labels: Uint8Array, scores: Float64Array): Curves {
  return { roc: coarseRoc(labels, scores, 1), distribution: scoreDistribution(labels, scores, 1), calibration: calibration(labels, scores, 1) };
}
