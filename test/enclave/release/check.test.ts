/** The release check: what leaves, what is withheld, and the exact reasons. */
import { strict as assert } from 'node:assert';
import { TrainingOutcome, releaseCheck, suppressSmallCounts } from '../../../enclave/release/check';
import { calibration, coarseRoc, equalCountRuns, scoreDistribution } from '../../../enclave/release/curves';
import { keyedNoise } from '../../../enclave/release/population';
import { Random } from '../../../models/random';

function outcome(overrides: Partial<TrainingOutcome> = {}): TrainingOutcome {
  const random = new Random(1);
  const n = 300;
  const labels = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : 0));
  const scores = Float64Array.from(labels, (y) => y * 0.3 + random.uniform());
  return {
    model: { format: 'jointlab-model', version: 1, kind: 'lr', features: [], params: {}, state: {} },
    description: {},
    rows: { train: 700, test: n },
    classes: { train: { positive: 140, negative: 560 }, test: { positive: 60, negative: 240 } },
    metrics: { train: { auc: 0.8, ks: 0.5, gini: 0.6 }, test: { auc: 0.75, ks: 0.4, gini: 0.5 } },
    test: { labels, scores },
    ...overrides,
  };
}

// Noise keyed under a fixed secret: the same figures on every run.
const noise = keyedNoise(Buffer.alloc(32, 7), 'release-test');
const rules = { k: 10, minTrainingRows: 100, outputs: ['parameters', 'metrics', 'curves'] as const, noise };

describe('release check', () => {
  it('releases parameters, metrics and a coarse curve when every rule holds', () => {
    const r = releaseCheck(outcome(), rules);
    assert.deepEqual(r.withheld, []);
    assert.ok(r.released.parameters && r.released.metrics?.test && r.released.curves);
  });

  it('coarsens the ROC curve so that every point stands for at least k rows', () => {
    const o = outcome();
    for (const k of [1, 10, 37]) {
      const roc = coarseRoc(o.test.labels, o.test.scores, k);
      assert.deepEqual(roc[0], { threshold: Infinity, fpr: 0, tpr: 0, rows: 0 });
      assert.ok(roc.slice(1).every((p) => p.rows >= k), `k = ${k}`);
      assert.equal(roc.slice(1).reduce((s, p) => s + p.rows, 0), 300);
      const last = roc[roc.length - 1];
      assert.deepEqual([last.fpr, last.tpr], [1, 1]);
    }
    assert.equal(coarseRoc(o.test.labels, o.test.scores, 1).length, 301);
    assert.ok(coarseRoc(o.test.labels, o.test.scores, 37).length <= 1 + 300 / 37);
  });


  it('cuts equal-count runs only where the score changes, none shorter than k', () => {
    assert.deepEqual(equalCountRuns([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, 1), [[0, 2], [2, 4], [4, 6], [6, 8], [8, 10]]);
    // A tie is never split: the run grows until the score changes; a tail shorter than a run joins the last one.
    assert.deepEqual(equalCountRuns([1, 1, 1, 2, 3, 4, 5, 6], 4, 1), [[0, 3], [3, 5], [5, 8]]);
    // k = 3 makes every run at least three long; the short tail joins the last run.
    assert.deepEqual(equalCountRuns([1, 2, 3, 4, 5, 6, 7, 8], 4, 3), [[0, 3], [3, 8]]);
  });

  it('releases calibration by decile, pooling deciles until both classes reach k', () => {
    const scores = Float64Array.from({ length: 100 }, (_, i) => i / 100);
    const labels = Uint8Array.from({ length: 100 }, (_, i) => i % 2);
    const bins = calibration(labels, scores, 5);
    assert.equal(bins.length, 10);
    bins.forEach((b, d) => assert.deepEqual(b, { predicted: Number((0.045 + 0.1 * d).toFixed(4)), observed: 0.5, rows: 10 }));
    // k = 6: a decile has 5 of each class, so deciles pool in pairs: 20 rows, mean score 0.095 + 0.2 d.
    const pairs = calibration(labels, scores, 6);
    assert.equal(pairs.length, 5);
    pairs.forEach((b, d) => assert.deepEqual(b, { predicted: Number((0.095 + 0.2 * d).toFixed(4)), observed: 0.5, rows: 20 }));
    // Defaults only in the top decile (10 rows): everything pools into one bin, and with k = 11 even that is not enough.
    const top = Uint8Array.from({ length: 100 }, (_, i) => (i >= 90 ? 1 : 0));
    assert.deepEqual(calibration(top, scores, 10), [{ predicted: 0.495, observed: 0.1, rows: 100 }]);
    assert.deepEqual(calibration(top, scores, 11), [{ predicted: 0.495, observed: null, rows: 100 }]);
  });

  it('releases the score distribution by class with counts under k suppressed', () => {
    const o = outcome();
    const bands = scoreDistribution(o.test.labels, o.test.scores, 10);
    assert.equal(bands.length, 20);
    for (const b of bands) {
      assert.ok(b.from <= b.to);
      for (const c of [b.good, b.bad]) assert.ok(c === null || c === 0 || (c >= 10 && c % 5 === 0), String(c));
    }
    // 15 rows per band and 60 bad rows in all: some bands carry fewer than 10 bad rows, and those are null.
    assert.ok(bands.some((b) => b.bad === null));
    const total = bands.reduce((s, b) => s + (b.good ?? 0) + (b.bad ?? 0), 0);
    assert.ok(total <= 300 && total > 200, String(total));
  });
  it('withholds everything, with the reason, when training rows are too few', () => {
    const r = releaseCheck(outcome({ rows: { train: 60, test: 300 } }), rules);
    assert.deepEqual(r.released, {});
    assert.deepEqual(r.withheld, [
      { part: 'parameters', reason: 'trained on fewer than about 100 rows' },
      { part: 'metrics', reason: 'trained on fewer than about 100 rows' },
      { part: 'curves', reason: 'trained on fewer than about 100 rows' },
    ]);
  });

  it('withholds when a label class has fewer than k rows', () => {
    const r = releaseCheck(outcome({ classes: { train: { positive: 3, negative: 697 }, test: { positive: 60, negative: 240 } } }), rules);
    assert.deepEqual(r.withheld.map((w) => w.reason), Array(3).fill('a label class has fewer than about 10 training rows'));
    const testOnly = releaseCheck(outcome({ classes: { train: { positive: 140, negative: 560 }, test: { positive: 2, negative: 298 } } }), rules);
    assert.ok(testOnly.released.parameters && testOnly.released.metrics?.train);
    assert.equal(testOnly.released.metrics?.test, undefined);
    assert.deepEqual(testOnly.withheld, [
      { part: 'metrics', reason: 'test metrics: a label class has fewer than about 10 test rows' },
      { part: 'curves', reason: 'a label class has fewer than about 10 test rows' },
    ]);
  });

  it('withholds a scorecard whose bin stands for fewer than k rows', () => {
    const description = { features: [{ name: 'tax_grade', bins: [{ count: 500, bad: 40 }, { count: 3, bad: 1 }] }] };
    const r = releaseCheck(outcome({ description }), rules);
    assert.equal(r.released.parameters, undefined);
    assert.deepEqual(r.withheld, [{ part: 'parameters', reason: 'a bin of feature "tax_grade" stands for fewer than 10 rows' }]);
  });

  it('withholds boosted trees with a node under k rows', () => {
    const tree = (small: number) => [
      { feature: 0, upTo: 1.5, missing: 'left', left: 1, right: 2, count: 600, gain: 3 },
      { value: -0.1, count: 600 - small },
      { value: 0.2, count: small },
    ];
    const model = (small: number) => ({ format: 'jointlab-model' as const, version: 1 as const, kind: 'gbdt' as const, features: [{ name: 'x', kind: 'numeric' as const }], params: {}, state: { base: 0, trees: [tree(300), tree(small)], importance: [3] } });
    assert.ok(releaseCheck(outcome({ model: model(10) }), rules).released.parameters);
    const r = releaseCheck(outcome({ model: model(9) }), rules);
    assert.equal(r.released.parameters, undefined);
    assert.deepEqual(r.withheld, [{ part: 'parameters', reason: 'a tree node stands for fewer than 10 rows' }]);
  });

  it('releases counts inside parameters noisy and rounded, and none under k', () => {
    const out = suppressSmallCounts({ bins: [{ count: 500, bad: 2 }, { count: 0, bad: 0 }] }, 10, noise);
    assert.deepEqual(out.bins.slice(1), [{ count: null, bad: null }]);
    assert.equal(out.bins[0].bad, null);
    assert.ok(Math.abs(out.bins[0].count! - 500) <= 25 && out.bins[0].count! % 5 === 0, String(out.bins[0].count));
    // Keyed to the population: asking again gives the same figures, so there is nothing to average.
    assert.deepEqual(suppressSmallCounts({ bins: [{ count: 500, bad: 2 }, { count: 0, bad: 0 }] }, 10, noise), out);
  });

  it('releases no exact row count and no metric beyond three decimals', () => {
    const counts = new Set<number>();
    for (let n = 1000; n < 1040; n++) {
      const r = releaseCheck(outcome({ rows: { train: n, test: 300 } }), { ...rules, noise: keyedNoise(Buffer.alloc(32, 7), `population ${n}`) });
      const released = r.released.metrics!.rows.train;
      assert.equal(released % 5, 0);
      counts.add(released - n);
      assert.equal(String(r.released.metrics!.test!.auc).replace(/^0\./, '').length <= 3, true);
    }
    // The noise is not a fixed offset: the released count minus the true one takes many values.
    assert.ok(counts.size > 5, String([...counts]));
  });

  it('leaves out what the spec did not ask for', () => {
    const r = releaseCheck(outcome(), { ...rules, outputs: ['metrics'] });
    assert.deepEqual(Object.keys(r.released), ['metrics']);
  });
});

describe('disclosure control at fit time', () => {
  it('raises bin and level minimums to k whatever the spec asked for', async () => {
    const { withDisclosureControl } = await import('../../../enclave/jobs/runner');
    assert.deepEqual(withDisclosureControl({ minBinCount: 0, minBinShare: 0.0001 }, 10), { minBinCount: 10, minBinShare: 0.0001 });
    assert.deepEqual(withDisclosureControl({ minLevelCount: 50 }, 10), { minLevelCount: 50 });
    assert.deepEqual(withDisclosureControl({ hidden: [8] }, 10), { hidden: [8] });
    assert.deepEqual(withDisclosureControl({ minChildRows: 1, minLevelCount: 1 }, 10), { minChildRows: 10, minLevelCount: 10 });
  });

  it('gives a missing bin under k no evidence and never lists levels pooled into "other"', async () => {
    const { binCategorical, binNumeric } = await import('../../../models/binning');
    const values = Float64Array.from({ length: 200 }, (_, i) => (i < 4 ? NaN : i));
    const labels = Uint8Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const b = binNumeric({ name: 'x', kind: 'numeric', values }, labels, { initialBins: 10, minBinShare: 0, minBinCount: 10, monotonic: false });
    assert.deepEqual([b.missing.count, b.missing.woe, b.missing.noEvidence], [4, 0, true]);
    assert.ok(b.bins.every((bin) => bin.count >= 10));
    const levels = Array.from({ length: 200 }, (_, i) => (i < 3 ? `rare${i}` : i % 2 ? 'A' : 'B'));
    const c = binCategorical({ name: 'c', kind: 'categorical', values: levels }, labels, { initialBins: 10, minBinShare: 0, minBinCount: 10, monotonic: false });
    assert.deepEqual(c.levelBins.map(([level]) => level).sort(), ['A', 'B']);
    const other = c.bins[c.otherBin];
    assert.deepEqual([other.label, other.count, other.woe, other.noEvidence], ['other', 3, 0, true]);
  });
});
