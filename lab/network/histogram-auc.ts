/** AUC and KS from binned test scores (positives per bin, then negatives per bin, bins in score order): ties within a bin count one half, as in the exact AUC. */

export function metricsFromHistogram(hist: ArrayLike<number>): { auc: number; ks: number; positives: number; negatives: number } {
  const bins = hist.length / 2;
  let positives = 0;
  let negatives = 0;
  for (let b = 0; b < bins; b++) {
    positives += Math.round(hist[b]);
    negatives += Math.round(hist[bins + b]);
  }
  let below = 0;
  let pairs = 0;
  let cumPos = 0;
  let ks = 0;
  for (let b = 0; b < bins; b++) {
    const pos = Math.round(hist[b]);
    const neg = Math.round(hist[bins + b]);
    pairs += pos * below + 0.5 * pos * neg;
    below += neg;
    cumPos += pos;
    if (positives && negatives) ks = Math.max(ks, Math.abs(below / negatives - cumPos / positives));
  }
  return { auc: positives && negatives ? pairs / (positives * negatives) : NaN, ks, positives, negatives };
}
