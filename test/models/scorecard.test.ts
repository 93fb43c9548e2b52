import { strict as assert } from 'node:assert';
import { binCategorical, binNumeric, weightOfEvidence } from '../../models/binning';
import { Frame } from '../../models/frame';
import { Random } from '../../models/random';
import { scorecard } from '../../models/scorecard';

/** x uniform on [0, 10) with a default rate that rises with x, plus a few missing values that default more. */
function risingRisk(n: number, seed: number): { x: Float64Array; y: Uint8Array } {
  const random = new Random(seed);
  const x = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const missing = i % 25 === 0;
    x[i] = missing ? NaN : random.uniform() * 10;
    const p = missing ? 0.5 : 0.05 + 0.03 * x[i];
    y[i] = random.bernoulli(p) ? 1 : 0;
  }
  return { x, y };
}

describe('scorecard binning', () => {
  it('WOE and IV by hand (0.5 added to every cell)', () => {
    // good 8/bad 2 and good 2/bad 8: totals 11 and 11, WOE = ln(8.5/2.5) = ln 3.4
    const { woe, iv } = weightOfEvidence([
      { good: 8, bad: 2 },
      { good: 2, bad: 8 },
    ]);
    assert.ok(Math.abs(woe[0] - Math.log(3.4)) < 1e-12);
    assert.ok(Math.abs(woe[1] + Math.log(3.4)) < 1e-12);
    assert.ok(Math.abs(iv - 2 * (6 / 11) * Math.log(3.4)) < 1e-12);
  });

  it('merges quantile bins until the default rate is monotonic and keeps missing values apart', () => {
    const { x, y } = risingRisk(5000, 3);
    const binning = binNumeric({ name: 'x', kind: 'numeric', values: x }, y, { initialBins: 20, minBinShare: 0.05, monotonic: true });
    const rates = binning.bins.map((b) => b.bad / b.count);
    for (let i = 1; i < rates.length; i++) assert.ok(rates[i] >= rates[i - 1], `rate falls between bins ${i - 1} and ${i}`);
    // Rising risk means falling WOE (WOE is log good/bad).
    for (let i = 1; i < rates.length; i++) assert.ok(binning.bins[i].woe < binning.bins[i - 1].woe);
    assert.equal(binning.missing.count, 200);
    assert.ok(binning.missing.woe < binning.bins[0].woe);
    assert.ok(binning.bins.every((b) => b.count >= 0.05 * 5000));
    assert.equal(binning.edges.length, binning.bins.length - 1);
    assert.ok(binning.iv > 0.1);
  });

  it('bins categories by level, pools rare ones into "other", and gives unseen levels no evidence', () => {
    const values = [...new Array(50).fill('A'), ...new Array(50).fill('B'), 'rare', null];
    const y = Uint8Array.from([...new Array(50).fill(0).map((_, i) => (i < 5 ? 1 : 0)), ...new Array(50).fill(0).map((_, i) => (i < 25 ? 1 : 0)), 1, 0]);
    const b = binCategorical({ name: 'c', kind: 'categorical', values }, y, { initialBins: 10, minBinShare: 0.05, monotonic: true });
    assert.deepEqual(b.bins.map((bin) => bin.label), ['A', 'B', 'other']);
    assert.equal(b.bins[2].count, 1);
    assert.equal(b.missing.count, 1);
    assert.ok(b.bins[0].woe > b.bins[1].woe);
  });
});

describe('scorecard', () => {
  const { x, y } = risingRisk(4000, 5);
  const frame: Frame = {
    rows: x.length,
    columns: [
      { name: 'x', kind: 'numeric', values: x },
      { name: 'grade', kind: 'categorical', values: Array.from(x, (v) => (Number.isNaN(v) ? null : v > 5 ? 'C' : 'A')) },
    ],
  };

  it('scales points so that base odds score the base score and every PDO points double the odds', async () => {
    const params = { ...scorecard.defaults, baseScore: 600, baseOdds: 50, pdo: 20 };
    const model = await scorecard.fit(frame, y, params, { seed: 1 });
    const p = await model.predict(frame);
    const points = model.points!(frame);
    for (let i = 0; i < 50; i++) {
      const odds = (1 - p[i]) / p[i];
      assert.ok(Math.abs(points[i] - (600 + 20 * Math.log2(odds / 50))) < 1e-9);
    }
  });

  it('adds up per-bin points and base points to each row\'s score', async () => {
    const model = await scorecard.fit(frame, y, scorecard.defaults, { seed: 1 });
    const card = model.describe() as { basePoints: number; features: { bins: { label: string; points: number }[] }[] };
    const xBins = card.features[0].bins;
    const gradeBins = card.features[1].bins;
    // A row with x missing and grade missing takes the missing bin of both.
    const missingRow: Frame = { rows: 1, columns: [{ name: 'x', kind: 'numeric', values: Float64Array.of(NaN) }, { name: 'grade', kind: 'categorical', values: [null] }] };
    const expected = card.basePoints + xBins[xBins.length - 1].points + gradeBins[gradeBins.length - 1].points;
    assert.ok(Math.abs(model.points!(missingRow)[0] - expected) < 1e-9);
  });

  it('survives a saved-and-loaded round trip with identical points', async () => {
    const model = await scorecard.fit(frame, y, scorecard.defaults, { seed: 1 });
    const again = scorecard.load(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(again.points!(frame), model.points!(frame));
  });
});

describe('scorecard bins of a 0/1 flag', () => {
  it('are labelled 0 and 1, where a column with other values keeps its ranges', () => {
    const random = new Random(11);
    const n = 2000;
    const flag = Float64Array.from({ length: n }, () => (random.bernoulli(0.3) ? 1 : 0));
    const y = Uint8Array.from(flag, (f) => (random.bernoulli(f ? 0.3 : 0.1) ? 1 : 0));
    const options = { initialBins: 20, minBinShare: 0.05, monotonic: true };
    const binning = binNumeric({ name: 'tax_arrears', kind: 'numeric', values: flag }, y, options);
    assert.deepEqual(binning.bins.map((b) => b.label), ['0', '1']);
    assert.deepEqual(binning.edges, [0]);
    // The same split on a count (0, 1 or 2 court cases) is a range: "1" would hide the 2s.
    const count = Float64Array.from(flag, (f, i) => (f && i % 7 === 0 ? 2 : f));
    assert.deepEqual(binNumeric({ name: 'court_cases', kind: 'numeric', values: count }, y, options).bins.map((b) => b.label), ['(-inf, 0]', '(0, inf)']);
  });

  it('take the caller\'s reading of the column over the rows binned (the enclave reads the whole source)', () => {
    const random = new Random(12);
    const flag = Float64Array.from({ length: 2000 }, () => (random.bernoulli(0.3) ? 1 : 0));
    const y = Uint8Array.from(flag, (f) => (random.bernoulli(f ? 0.3 : 0.1) ? 1 : 0));
    const options = { initialBins: 20, minBinShare: 0.05, monotonic: true };
    const labels = (isFlag: boolean) => binNumeric({ name: 'high_tech', kind: 'numeric', values: flag }, y, { ...options, isFlag }).bins.map((b) => b.label);
    assert.deepEqual(labels(false), ['(-inf, 0]', '(0, inf)']);
    assert.deepEqual(labels(true), ['0', '1']);
  });
});
