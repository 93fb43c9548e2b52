import assert from 'node:assert/strict';
import { SCORE_BINS, SCORE_LOGIT_SPAN, assertTestClasses, scoreCell, scoreHistogram } from '../../../enclave/release/network-scores';
import { assertNetworkRound } from '../../../enclave/release/network';
import { metricsFromHistogram } from '../../../lab/network/histogram-auc';
import { auc, ks } from '../../../models/metrics';
import { Random } from '../../../models/random';
import { JointlabError } from '../../../lab/errors';

/** Test rows of a credit book: few positives, their log-odds shifted up, as a fitted model gives them. */
function book(rows: number, rate: number, shift: number, seed: number): { logits: Float64Array; labels: Uint8Array } {
  const r = new Random(seed);
  const labels = Uint8Array.from({ length: rows }, () => (r.bernoulli(rate) ? 1 : 0));
  const logits = Float64Array.from(labels, (y) => -3.5 + 1.2 * r.normal() + (y ? shift : 0));
  return { logits, labels };
}

describe('the network test-score histogram (enclave/release/network-scores.ts)', () => {
  it('is a coarse grid: at most 2,048 entries, one cell per 1/64 log-odds, so the hub cannot tell apart scores within a cell', () => {
    assert.ok(2 * SCORE_BINS <= 2048, `${2 * SCORE_BINS} entries`);
    const width = (2 * SCORE_LOGIT_SPAN) / SCORE_BINS;
    assert.ok(width >= 1 / 64, `cells of ${width} log-odds`);
    // Two scores a tenth of a cell apart inside one cell, and the ends: beyond the span falls in the end cells.
    const at = -2 + width * 0.3;
    assert.equal(scoreCell(at), scoreCell(at + width / 10));
    assert.equal(scoreCell(-40), 0);
    assert.equal(scoreCell(40), SCORE_BINS - 1);
    assert.equal(scoreCell(Number.NaN), 0);
    const { logits, labels } = book(500, 0.2, 1, 3);
    const h = scoreHistogram(logits, labels);
    assert.equal(h.length, 2 * SCORE_BINS);
    assert.equal(h.reduce((s, v) => s + v, 0), 500);
  });

  it('keeps AUC within 3e-4 and KS within 3e-3 of the exact ones (the released step is 1e-3)', () => {
    // Low and moderate default rates, weak and strong models: the exact AUC against the histogram's. The
    // error is the order of rows within a cell, which the cell hides: largest with few positives (73 here).
    let worstAuc = 0;
    let worstKs = 0;
    for (const [rows, rate, shift, seed] of [[1200, 0.05, 1.2, 1], [11_000, 0.05, 1.5, 2], [20_000, 0.01, 0.6, 3], [8000, 0.3, 2.5, 4]] as const) {
      const { logits, labels } = book(rows, rate, shift, seed);
      const fromHistogram = metricsFromHistogram(scoreHistogram(logits, labels));
      worstAuc = Math.max(worstAuc, Math.abs(fromHistogram.auc - auc(labels, logits)));
      worstKs = Math.max(worstKs, Math.abs(fromHistogram.ks - ks(labels, logits)));
      assert.equal(fromHistogram.positives, labels.reduce((s, v) => s + v, 0));
    }
    console.log(`      largest AUC error ${worstAuc.toExponential(2)}, largest KS error ${worstKs.toExponential(2)}`);
    assert.ok(worstAuc < 3e-4, `AUC error ${worstAuc}`);
    assert.ok(worstKs < 3e-3, `KS error ${worstKs}`);
  });

  it('a province with too few test rows of a class (on its noisy counts) refuses with a stable code, whatever its training rows', () => {
    const code = (f: () => void) => {
      try {
        f();
        return null;
      } catch (e) {
        assert.ok(e instanceof JointlabError);
        return { code: e.code, status: e.status, message: e.message };
      }
    };
    // [train rows, train positives, test rows, test positives]
    assert.equal(code(() => assertNetworkRound(Float64Array.from([900, 90, 400, 40]), 10)), null);
    const fewPositives = code(() => assertNetworkRound(Float64Array.from([900, 90, 400, 9.5]), 10));
    assert.equal(fewPositives?.code, 'network_too_few_test_rows');
    assert.equal(fewPositives?.status, 409);
    assert.doesNotMatch(fewPositives!.message, /9\.5|400|390/, 'names the rule, not the counts');
    assert.equal(code(() => assertTestClasses([900, 90, 45, 40], 10))?.code, 'network_too_few_test_rows');
    // The training rule is decided first and keeps its own code.
    assert.equal(code(() => assertNetworkRound(Float64Array.from([900, 5, 400, 9]), 10))?.code, 'network_too_few_rows');
  });
});
