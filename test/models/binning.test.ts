import { strict as assert } from 'node:assert';
import { binAssigner, binCategorical, binNumeric, binWoe, weightOfEvidence } from '../../models/binning';

const labels = (s: string) => Uint8Array.from(s, (c) => Number(c));

describe('binning', () => {
  it('pools adjacent bins that break monotonic default rates (pool-adjacent-violators), by hand', () => {
    // Four quantile bins of 5 rows: bad counts 0, 2, 1, 4. Rising rates need bins 2 and 3 pooled (3 of 10).
    const x = Float64Array.from({ length: 20 }, (_, i) => i);
    const y = labels('00000' + '11000' + '10000' + '11110');
    const b = binNumeric({ name: 'x', kind: 'numeric', values: x }, y, { initialBins: 4, minBinShare: 0, monotonic: true });
    // Interpolated quartiles 4.75 and 14.25, the latter rounded to three significant digits.
    assert.deepEqual(b.edges, [4.75, 14.3]);
    assert.deepEqual(b.bins.map((bin) => [bin.count, bin.bad]), [[5, 0], [10, 3], [5, 4]]);
    const { woe, iv } = weightOfEvidence([{ good: 5, bad: 0 }, { good: 7, bad: 3 }, { good: 1, bad: 4 }]);
    assert.deepEqual(b.bins.map((bin) => bin.woe), woe);
    assert.equal(b.iv, iv);
    assert.deepEqual(b.bins.map((bin) => bin.label), ['(-inf, 4.75]', '(4.75, 14.3]', '(14.3, inf)']);
  });

  it('merges a bin under minBinCount into the neighbour with the closer default rate', () => {
    // Bins of 2, 9, 9 rows; the first (rate 1/2) is merged into the second (rate 4/9) as minBinCount is 5.
    const x = Float64Array.from([0, 1, ...Array.from({ length: 9 }, () => 5), ...Array.from({ length: 9 }, () => 9)]);
    const y = labels('10' + '111100000' + '000000001');
    const b = binNumeric({ name: 'x', kind: 'numeric', values: x }, y, { initialBins: 10, minBinShare: 0, minBinCount: 5, monotonic: false });
    assert.deepEqual(b.bins.map((bin) => bin.count), [11, 9]);
    assert.deepEqual(b.bins.map((bin) => bin.bad), [5, 1]);
  });

  it('rounds bin edges to three significant digits: no raw value of one enterprise is an edge', () => {
    const x = Float64Array.from({ length: 40 }, (_, i) => 1000 + i * 1.23456);
    const b = binNumeric({ name: 'x', kind: 'numeric', values: x }, new Uint8Array(40).fill(0).map((_, i) => i % 3 === 0 ? 1 : 0), { initialBins: 4, minBinShare: 0, monotonic: false });
    for (const e of b.edges) assert.equal(e, Number(e.toPrecision(3)));
    for (const e of b.edges) assert.ok(![...x].includes(e));
  });

  it('keeps a missing bin under minBinCount at no evidence (WOE 0), out of the IV', () => {
    const x = Float64Array.from([NaN, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const y = labels('10101010101');
    const b = binNumeric({ name: 'x', kind: 'numeric', values: x }, y, { initialBins: 2, minBinShare: 0, minBinCount: 2, monotonic: false });
    assert.equal(b.missing.count, 1);
    assert.equal(b.missing.woe, 0);
    assert.equal(b.missing.noEvidence, true);
    assert.equal(binWoe(b, binAssigner(b)(NaN)), 0);
  });

  it('pools rare categories into "other" without naming them; unseen levels go there too', () => {
    const values = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', null];
    const y = labels('1000110010');
    const b = binCategorical({ name: 'c', kind: 'categorical', values }, y, { initialBins: 10, minBinShare: 0, minBinCount: 3, monotonic: false });
    assert.deepEqual(b.levelBins.map(([level]) => level).sort(), ['a', 'b']);
    assert.equal(b.bins[b.otherBin].label, 'other');
    const assign = binAssigner(b);
    assert.equal(assign('c'), b.otherBin);
    assert.equal(assign('never-seen'), b.otherBin);
    assert.equal(assign(null), -1);
    // "other" holds one row, under minBinCount: no evidence.
    assert.equal(b.bins[b.otherBin].woe, 0);
  });
});
