/** Discrimination and calibration metrics for binary scores: AUC, KS, Gini, ROC, PSI, calibration. */

export interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}

export interface CalibrationBin {
  bin: number;
  count: number;
  meanScore: number;
  observedRate: number;
}

export interface BinaryMetrics {
  auc: number;
  ks: number;
  gini: number;
}

function assertSameLength(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) {
    throw new RangeError(`labels (${labels.length}) and scores (${scores.length}) differ in length`);
  }
}

function countClasses(labels: ArrayLike<number>): { pos: number; neg: number } {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) pos++;
  return { pos, neg: labels.length - pos };
}

/** Indices sorted by descending score. */
function orderByScoreDesc(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a]);
  return order;
}

/**
 * ROC curve with one point per distinct score (ties move together), from (0,0) to (1,1).
 * Higher scores mean "more likely positive".
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): RocPoint[] {
  assertSameLength(labels, scores);
  const { pos, neg } = countClasses(labels);
  const order = orderByScoreDesc(scores);
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (labels[i] === 1) tp++;
    else fp++;
    const last = k === order.length - 1 || scores[order[k + 1]] !== scores[i];
    if (last) points.push({ threshold: scores[i], fpr: neg ? fp / neg : 0, tpr: pos ? tp / pos : 0 });
  }
  return points;
}

/**
 * Area under the ROC curve: the probability that a random positive outscores a random negative,
 * ties counting one half (the Mann-Whitney statistic). NaN when a class is absent.
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  assertSameLength(labels, scores);
  const { pos, neg } = countClasses(labels);
  if (pos === 0 || neg === 0) return NaN;
  const order = orderByScoreDesc(scores);
  // Walk groups of tied scores; each negative in a group beats nothing in it and ties with its positives.
  let area = 0;
  let posAbove = 0;
  let k = 0;
  while (k < order.length) {
    let groupPos = 0;
    let groupNeg = 0;
    const s = scores[order[k]];
    while (k < order.length && scores[order[k]] === s) {
      if (labels[order[k]] === 1) groupPos++;
      else groupNeg++;
      k++;
    }
    area += groupNeg * (posAbove + groupPos / 2);
    posAbove += groupPos;
  }
  return area / (pos * neg);
}

/** Kolmogorov-Smirnov statistic: the largest gap between the classes' cumulative score distributions. */
export function ks(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  let best = 0;
  for (const p of rocCurve(labels, scores)) best = Math.max(best, p.tpr - p.fpr);
  return best;
}

export function gini(aucValue: number): number {
  return 2 * aucValue - 1;
}

export function binaryMetrics(labels: ArrayLike<number>, scores: ArrayLike<number>): BinaryMetrics {
  const a = auc(labels, scores);
  return { auc: a, ks: ks(labels, scores), gini: gini(a) };
}

/** KS curve: cumulative share of each class above each threshold, as plotted in credit reports. */
export function ksCurve(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
): { threshold: number; cumPos: number; cumNeg: number; gap: number }[] {
  return rocCurve(labels, scores).map((p) => ({
    threshold: p.threshold,
    cumPos: p.tpr,
    cumNeg: p.fpr,
    gap: p.tpr - p.fpr,
  }));
}

/** Quantile cut points of `values` that split it into `bins` groups of (nearly) equal size. */
export function quantileEdges(values: ArrayLike<number>, bins: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const pos = (b / bins) * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    edges.push(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo));
  }
  return edges;
}

/** Index of the bin of `x` given ascending edges: bin i holds edges[i-1] < x <= edges[i]. */
export function binOf(x: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Population stability index between an expected (reference) and an actual score distribution,
 * over `bins` quantile bins of the expected scores. Empty bins get a floor share so the log stays finite.
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, bins = 10, floor = 1e-4): number {
  const edges = quantileEdges(expected, bins);
  const share = (xs: ArrayLike<number>): number[] => {
    const counts = new Array<number>(bins).fill(0);
    for (let i = 0; i < xs.length; i++) counts[binOf(xs[i], edges)]++;
    return counts.map((c) => Math.max(c / xs.length, floor));
  };
  const e = share(expected);
  const a = share(actual);
  let total = 0;
  for (let b = 0; b < bins; b++) total += (a[b] - e[b]) * Math.log(a[b] / e[b]);
  return total;
}

/**
 * Calibration by decile: rows sorted by score and cut into `bins` groups of equal size
 * (the first groups take one extra row when the count does not divide).
 */
export function calibrationByDecile(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  bins = 10,
): CalibrationBin[] {
  assertSameLength(labels, scores);
  const order = orderByScoreDesc(scores).reverse();
  const n = order.length;
  const out: CalibrationBin[] = [];
  let start = 0;
  for (let b = 0; b < bins; b++) {
    const size = Math.floor(n / bins) + (b < n % bins ? 1 : 0);
    let sumScore = 0;
    let sumLabel = 0;
    for (let k = start; k < start + size; k++) {
      sumScore += scores[order[k]];
      sumLabel += labels[order[k]];
    }
    out.push({
      bin: b + 1,
      count: size,
      meanScore: size ? sumScore / size : NaN,
      observedRate: size ? sumLabel / size : NaN,
    });
    start += size;
  }
  return out;
}
