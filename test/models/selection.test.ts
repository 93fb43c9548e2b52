import { strict as assert } from 'node:assert';
import { Frame } from '../../models/frame';
import { Random } from '../../models/random';
import { sigmoid } from '../../models/linalg';
import { correlationMatrix, pruneCorrelated, pruneVif, varianceInflation } from '../../models/selection/correlation';
import { SELECTION_DEFAULTS, SelectionOptions, selectFeatures } from '../../models/selection';

const binning = { initialBins: 10, minBinShare: 0, monotonic: true };
const numeric = (name: string, values: number[]) => ({ name, kind: 'numeric' as const, values: Float64Array.from(values) });

/** y from a logistic model on a and b; `sum` is a + b plus noise, the best single predictor that a and b together make redundant. */
function table(seed: number, n = 3000): { frame: Frame; labels: Uint8Array } {
  const random = new Random(seed);
  const a: number[] = [];
  const b: number[] = [];
  const sum: number[] = [];
  const noise: number[] = [];
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a.push(random.normal());
    b.push(random.normal());
    sum.push(a[i] + b[i] + 0.8 * random.normal());
    noise.push(random.normal());
    labels[i] = random.bernoulli(sigmoid(-1 + 1.5 * a[i] + 1.5 * b[i])) ? 1 : 0;
  }
  return { frame: { rows: n, columns: [numeric('noise', noise), numeric('a', a), numeric('sum', sum), numeric('b', b)] }, labels };
}

const options = (o: Partial<SelectionOptions>): SelectionOptions => ({ ...SELECTION_DEFAULTS, ...o });

describe('feature selection', () => {
  it('IV of a two-bin feature is the hand-computed sum of (g - b) ln(g / b), with 0.5 added to each cell', () => {
    // x = 0: 8 good, 2 bad; x = 1: 4 good, 6 bad. Smoothed shares: good 8.5/13, 4.5/13; bad 2.5/9, 6.5/9.
    const x = [...Array(10).fill(0), ...Array(10).fill(1)];
    const y = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
    const frame = { rows: 20, columns: [numeric('x', x)] };
    const byHand = (8.5 / 13 - 2.5 / 9) * Math.log(8.5 / 13 / (2.5 / 9)) + (4.5 / 13 - 6.5 / 9) * Math.log(4.5 / 13 / (6.5 / 9));
    assert.ok(Math.abs(byHand - 0.5985) < 1e-4);
    const kept = selectFeatures(frame, y, options({ ivMin: 0.598 }), { family: 'scorecard', binning, l2: 1, seed: 1 });
    assert.deepEqual(kept, { features: ['x'], path: [] });
    const dropped = selectFeatures(frame, y, options({ ivMin: 0.599 }), { family: 'scorecard', binning, l2: 1, seed: 1 });
    assert.deepEqual(dropped.features, []);
    assert.equal(dropped.path.length, 1);
    assert.deepEqual({ ...dropped.path[0], value: Number(dropped.path[0].value.toFixed(10)) }, { step: 1, action: 'filter', feature: 'x', metric: 'iv', value: Number(byHand.toFixed(10)) });
  });

  it('VIF of two collinear columns is 1 / (1 - r^2), by hand', () => {
    // a = 1,2,3,4 and b = 1,2,3,5: sum of cross deviations 6.5, sums of squares 5 and 8.75, so 1 - r^2 = 1.5 / 43.75.
    const r = correlationMatrix([Float64Array.from([1, 2, 3, 4]), Float64Array.from([1, 2, 3, 5])]);
    assert.ok(Math.abs(r[1] - 6.5 / Math.sqrt(43.75)) < 1e-12);
    const vif = varianceInflation(r, 2);
    for (const v of vif) assert.ok(Math.abs(v - 43.75 / 1.5) < 1e-9, String(v));
    // A third, uncorrelated column has VIF 1; pruning at 10 drops the later of the collinear pair and stops.
    // c = 1, -2, 1, 0 is orthogonal to the constant, a and b.
    const c = Float64Array.from([1, -2, 1, 0]);
    const r3 = correlationMatrix([Float64Array.from([1, 2, 3, 4]), Float64Array.from([1, 2, 3, 5]), c]);
    assert.ok(Math.abs(varianceInflation(r3, 3)[2] - 1) < 1e-9);
    const pruned = pruneVif(r3, 3, 10);
    assert.deepEqual(pruned.map((p) => p.dropped), [1]);
    assert.ok(Math.abs(pruned[0].vif - 43.75 / 1.5) < 1e-9);
    // The correlation filter keeps the one with the higher IV.
    assert.deepEqual(pruneCorrelated(r3, 3, [0.1, 0.3, 0.2], 0.9), [{ dropped: 0, kept: 1, r: 6.5 / Math.sqrt(43.75) }]);
  });

  it('forward selection by AIC adds the strongest feature first and stops before the noise', () => {
    // A pure-noise feature lowers the AIC (its deviance drop beats 2) about one table in six; on this one it does not.
    const { frame, labels } = table(3);
    const result = selectFeatures(frame, labels, options({ method: 'forward', criterion: 'aic' }), { family: 'lr', binning, l2: 1, seed: 3 });
    assert.deepEqual(result.path.map((s) => `${s.action} ${s.feature}`), ['add sum', 'add a', 'add b']);
    assert.deepEqual(result.features, ['sum', 'a', 'b']);
    // Each step lowers the AIC, from the intercept-only model's.
    const values = [result.start!.value, ...result.path.map((s) => s.value)];
    for (let i = 1; i < values.length; i++) assert.ok(values[i] < values[i - 1]);
  });

  it('stepwise selection drops the feature that later additions made redundant', () => {
    const { frame, labels } = table(3);
    const result = selectFeatures(frame, labels, options({ method: 'stepwise', criterion: 'aic' }), { family: 'lr', binning, l2: 1, seed: 3 });
    assert.deepEqual(result.path.map((s) => `${s.action} ${s.feature}`), ['add sum', 'add a', 'add b', 'drop sum']);
    assert.deepEqual(result.features, ['a', 'b']);
    assert.equal(result.path.at(-1)!.metric, 'aic');
  });

  it('by validation AUC, the path is the same for the same seed, and maxFeatures stops it', () => {
    const { frame, labels } = table(11);
    const run = (seed: number, maxFeatures = 20) =>
      selectFeatures(frame, labels, options({ method: 'forward', criterion: 'auc', maxFeatures }), { family: 'scorecard', binning, l2: 1, seed });
    const first = run(3);
    assert.deepEqual(run(3), first);
    assert.equal(first.path[0].feature, 'sum');
    assert.equal(first.start!.value, 0.5);
    for (const s of first.path) assert.ok(s.metric === 'auc' && s.value > 0.5 && s.value < 1);
    assert.deepEqual(run(3, 1).features, ['sum']);
  });

  it('the correlation filter names the feature it kept; method none keeps the rest in frame order', () => {
    const { frame, labels } = table(3);
    const result = selectFeatures(frame, labels, options({ maxCorrelation: 0.5 }), { family: 'lr', binning, l2: 1, seed: 3 });
    // sum correlates about 0.6 with a and with b, whose IV is lower: a and b go, sum stays.
    // Pairs are visited strongest first, so the order of the two filters is the data's; the set is not.
    const filters = result.path.map((s) => [s.action, s.feature, s.metric, s.against].join(' ')).sort();
    assert.deepEqual(filters, ['filter a correlation sum', 'filter b correlation sum']);
    for (const s of result.path) assert.ok(s.value > 0.5 && s.value < 1);
    assert.deepEqual(result.features, ['noise', 'sum']);
  });
});
