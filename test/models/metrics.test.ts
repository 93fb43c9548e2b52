import { strict as assert } from 'node:assert';
import { auc, binaryMetrics, calibrationByDecile, gini, ks, ksCurve, psi, quantileEdges, rocCurve } from '../../models/metrics';

// Hand-checked example with ties across classes.
// Reference: sklearn.metrics.roc_auc_score([0,0,1,1,0,1],[0.1,0.4,0.35,0.8,0.4,0.4]) == 0.6666666666666667
const labels = [0, 0, 1, 1, 0, 1];
const scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4];

describe('metrics', () => {
  it('AUC counts ties as one half', () => {
    // positives beat negatives in 1 + 3 + 1 pairs and tie in 2 of 9: (5 + 2/2) / 9
    assert.ok(Math.abs(auc(labels, scores) - 6 / 9) < 1e-12);
    assert.equal(auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 1);
    assert.equal(auc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]), 0);
    assert.equal(auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]), 0.5);
    assert.ok(Number.isNaN(auc([1, 1], [0.1, 0.2])));
  });

  it('ROC moves tied scores together and ends at (1, 1)', () => {
    const roc = rocCurve(labels, scores).map((p) => [p.fpr, p.tpr]);
    assert.deepEqual(roc, [
      [0, 0],
      [0, 1 / 3],
      [2 / 3, 2 / 3],
      [2 / 3, 1],
      [1, 1],
    ]);
  });

  it('KS is the largest tpr - fpr gap; Gini is 2 AUC - 1', () => {
    assert.ok(Math.abs(ks(labels, scores) - 1 / 3) < 1e-12);
    assert.equal(ks([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 1);
    assert.equal(gini(0.75), 0.5);
    const m = binaryMetrics(labels, scores);
    assert.ok(Math.abs(m.gini - (2 * (6 / 9) - 1)) < 1e-12);
    assert.ok(Math.abs(Math.max(...ksCurve(labels, scores).map((p) => p.gap)) - m.ks) < 1e-12);
  });

  it('quantile edges interpolate like numpy.quantile', () => {
    // numpy.quantile([1,2,3,4], [0.25, 0.5, 0.75]) == [1.75, 2.5, 3.25]
    assert.deepEqual(quantileEdges([4, 1, 3, 2], 4), [1.75, 2.5, 3.25]);
  });

  it('PSI by hand on two bins', () => {
    // expected [1,2,3,4] cut at 2.5: shares 0.5/0.5; actual [1,1,1,4]: 0.75/0.25
    // (0.75-0.5) ln(0.75/0.5) + (0.25-0.5) ln(0.25/0.5) = 0.27465307...
    const value = psi([1, 2, 3, 4], [1, 1, 1, 4], 2);
    assert.ok(Math.abs(value - (0.25 * Math.log(1.5) + 0.25 * Math.log(2))) < 1e-12);
    assert.ok(Math.abs(psi([1, 2, 3, 4], [1, 2, 3, 4], 2)) < 1e-12);
  });

  it('calibration by decile groups rows by ascending score', () => {
    const bins = calibrationByDecile([0, 1, 0, 1], [0.2, 0.9, 0.1, 0.7], 2);
    assert.deepEqual(bins, [
      { bin: 1, count: 2, meanScore: (0.1 + 0.2) / 2, observedRate: 0 },
      { bin: 2, count: 2, meanScore: (0.7 + 0.9) / 2, observedRate: 1 },
    ]);
    const ten = calibrationByDecile(new Array(25).fill(0), Array.from({ length: 25 }, (_, i) => i));
    assert.deepEqual(ten.map((b) => b.count), [3, 3, 3, 3, 3, 2, 2, 2, 2, 2]);
  });
});
