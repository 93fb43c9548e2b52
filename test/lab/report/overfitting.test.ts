/** The overfitting rule: train AUC more than 0.05 above test AUC, judged on the figures as released. */
import { strict as assert } from 'node:assert';
import { DP_NO_TRAIN, OVERFIT_AUC_GAP, overfitCheck } from '../../../lab/report/overfitting';

const m = (train: number, test: number) => ({ train: { auc: train }, test: { auc: test } });

describe('overfitting rule', () => {
  it('flags a gap over 0.05 and nothing at or under it', () => {
    assert.equal(OVERFIT_AUC_GAP, 0.05);
    assert.deepEqual([overfitCheck(m(0.868, 0.753)).flagged, overfitCheck(m(0.868, 0.753)).gap], [true, 0.115]);
    assert.equal(overfitCheck(m(0.803, 0.753)).flagged, false, 'a gap of exactly 0.05 is within the rule');
    assert.equal(overfitCheck(m(0.804, 0.753)).flagged, true);
    // A test AUC above the train AUC is no sign of overfitting.
    assert.equal(overfitCheck(m(0.7, 0.75)).flagged, false);
  });

  it('does not judge without both AUCs, and says why', () => {
    assert.equal(overfitCheck({ test: { auc: 0.75 } }, DP_NO_TRAIN).flagged, null);
    assert.match(overfitCheck({ test: { auc: 0.75 } }, DP_NO_TRAIN).message, /not released under differential privacy/);
    assert.equal(overfitCheck(undefined).flagged, null);
    assert.equal(overfitCheck(m(NaN, 0.7)).flagged, null);
  });
});
