/** Population stability pinned to hand-computed PSI and CSI, with bins pooled until each holds enough rows on both sides. */
import { strict as assert } from 'node:assert';
import { categoricalStability, levelOf, numericStability } from '../../models/stability';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-8, `${what}: ${a} vs ${b}`);

describe('population stability', () => {
  it('PSI of two numeric populations over the baseline\'s quantile bins, by hand', () => {
    // Baseline 1..8 cut at its median value 5: shares 5/8 and 3/8; current 1,1,1,1,1,1,5,8: 7/8 and 1/8.
    // PSI = (7/8 - 5/8) ln(7/5) + (1/8 - 3/8) ln(1/3) = 0.25 ln 1.4 + 0.25 ln 3 = 0.358771...
    const s = numericStability([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 1, 1, 1, 5, 8], { bins: 2 });
    assert.deepEqual(s.bins.map((b) => [b.label, b.baseline, b.current]), [['(-inf, 5]', 5, 7], ['(5, inf]', 3, 1]]);
    close(s.index, 0.25 * Math.log(1.4) + 0.25 * Math.log(3), 'PSI');
    assert.equal(s.level, 'shift');
  });

  it('pools adjacent bins until each holds minCount rows in both populations', () => {
    // Cuts at 3, 5, 7; the last bin (8 | none) is too small and joins (5, 7].
    const s = numericStability([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 7], { bins: 4, minCount: 2 });
    assert.deepEqual(s.bins.map((b) => [b.label, b.baseline, b.current]), [['(-inf, 3]', 3, 3], ['(3, 5]', 2, 2], ['(5, inf]', 3, 3]]);
    close(s.index, 0, 'PSI of equal shares');
    assert.ok(s.bins.every((b) => b.baseline >= 2 && b.current >= 2));
  });

  it('keeps missing values in a bin of their own, or pools them into the first bin when too few', () => {
    const s = numericStability([NaN, NaN, 1, 2, 3, 4], [NaN, 1, 2, 3, 4, 4], { bins: 2 });
    assert.equal(s.bins[0].label, 'missing');
    assert.deepEqual([s.bins[0].baseline, s.bins[0].current], [2, 1]);
    const pooled = numericStability([NaN, NaN, 1, 2, 3, 4], [NaN, 1, 2, 3, 4, 4], { bins: 2, minCount: 2 });
    assert.ok(!pooled.bins.some((b) => b.label === 'missing'));
    assert.equal(pooled.bins.reduce((s2, b) => s2 + b.baseline, 0), 6);
  });

  it('CSI of a category column by level, rare levels pooled into "other"', () => {
    // a: 1/2 -> 1/4, b: 1/2 -> 3/4: CSI = 0.25 ln 2 + 0.25 ln 1.5.
    const s = categoricalStability(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b']);
    close(s.index, 0.25 * Math.log(2) + 0.25 * Math.log(1.5), 'CSI');
    const pooled = categoricalStability(['a', 'a', 'a', 'b', 'b', 'b', 'c', 'd'], ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c'], { minCount: 2 });
    assert.deepEqual(pooled.bins.map((b) => b.label), ['a', 'b', 'other']);
  });

  it('reads the thresholds 0.1 and 0.25', () => {
    assert.deepEqual([levelOf(0.05), levelOf(0.0999), levelOf(0.1), levelOf(0.2499), levelOf(0.25)], ['stable', 'stable', 'watch', 'watch', 'shift']);
  });
});
