import { strict as assert } from 'node:assert';
import { MISSING_LEVEL, designNames, encode, fitEncoder, rowMajor } from '../../models/encoding';
import { Frame } from '../../models/frame';

/** x = 1, 2, 3, NaN, 4 (mean 2.5, population sd sqrt(1.25)); c = a, b, a, null, a. */
function small(): Frame {
  return {
    rows: 5,
    columns: [
      { name: 'x', kind: 'numeric', values: Float64Array.from([1, 2, 3, NaN, 4]) },
      { name: 'c', kind: 'categorical', values: ['a', 'b', 'a', null, 'a'] },
    ],
  };
}

describe('encoding', () => {
  it('standardizes by the mean and population sd of the present values, by hand', () => {
    const encoder = fitEncoder(small());
    const x = encoder.columns[0];
    assert.equal(x.kind, 'numeric');
    if (x.kind !== 'numeric') return;
    assert.equal(x.mean, 2.5);
    assert.ok(Math.abs(x.scale - Math.sqrt(1.25)) < 1e-15);
    assert.equal(x.missingIndicator, true);
  });

  it('orders levels by count then name, missing as a level of its own', () => {
    const encoder = fitEncoder(small());
    const c = encoder.columns[1];
    assert.deepEqual(c.kind === 'categorical' && c.levels, ['a', MISSING_LEVEL, 'b']);
    assert.deepEqual(designNames(encoder), ['x', 'x:missing', `c=a`, `c=${MISSING_LEVEL}`, 'c=b']);
  });

  it('drops levels seen on fewer rows than minLevelCount (the enclave passes its k)', () => {
    const encoder = fitEncoder(small(), 2);
    assert.deepEqual(designNames(encoder), ['x', 'x:missing', 'c=a']);
  });

  it('mean-imputes a gap to 0 with its indicator set, and one-hot encodes levels (unseen ones all zero)', () => {
    const frame = small();
    const encoder = fitEncoder(frame);
    const unseen: Frame = { rows: 1, columns: [{ name: 'x', kind: 'numeric', values: Float64Array.from([5]) }, { name: 'c', kind: 'categorical', values: ['zzz'] }] };
    const design = encode(encoder, frame);
    assert.equal(design.columns.length, 5);
    const s = Math.sqrt(1.25);
    assert.deepEqual([...design.columns[0]], [-1.5 / s, -0.5 / s, 0.5 / s, 0, 1.5 / s]);
    assert.deepEqual([...design.columns[1]], [0, 0, 0, 1, 0]);
    assert.deepEqual([...design.columns[2]], [1, 0, 1, 0, 1]);
    assert.deepEqual([...design.columns[3]], [0, 0, 0, 1, 0]);
    assert.deepEqual([...encode(encoder, unseen).columns.slice(2).map((c) => c[0])], [0, 0, 0]);
    assert.deepEqual([...rowMajor(encode(encoder, unseen))], [2.5 / s, 0, 0, 0, 0]);
  });

  it('gives a constant column scale 1 and no indicator when nothing is missing', () => {
    const frame: Frame = { rows: 3, columns: [{ name: 'k', kind: 'numeric', values: Float64Array.from([7, 7, 7]) }] };
    const encoder = fitEncoder(frame);
    assert.deepEqual(encoder.columns[0], { kind: 'numeric', name: 'k', mean: 7, scale: 1, missingIndicator: false });
    assert.deepEqual([...encode(encoder, frame).columns[0]], [0, 0, 0]);
  });

  it('refuses a frame whose columns differ from the ones it was fitted on', () => {
    const encoder = fitEncoder(small());
    const other: Frame = { rows: 1, columns: [{ name: 'y', kind: 'numeric', values: Float64Array.from([1]) }] };
    assert.throws(() => encode(encoder, other));
  });
});
