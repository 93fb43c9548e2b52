import { strict as assert } from 'node:assert';
import { Z_BOUND_MAX, columnBounds, flagColumns, zBound } from '../../../enclave/release/score-bounds';

describe('public bounds of private scoring (enclave/release/score-bounds.ts)', () => {
  it('flags missing, level and bin terms; bounds flags by 1 and standardized values by the bound', () => {
    const flags = flagColumns([
      { feature: 'a', kind: 'z' },
      { feature: 'a', kind: 'missing' },
      { feature: 'b', kind: 'level', level: 'x' },
      { feature: 'c', kind: 'bin', lower: null, upper: 3 },
    ]);
    assert.deepEqual(flags, [false, true, true, true]);
    assert.deepEqual(columnBounds(flags, 64), [64, 1, 1, 1]);
  });

  it('takes the largest power of two that keeps the flood half a bit over its floor', () => {
    // bits fall by one for each doubling of the bound from 20 bits at 1.
    const bitsAt = (bound: number) => 20 - Math.log2(bound);
    assert.equal(zBound(12, bitsAt), 128);
    assert.equal(zBound(7, bitsAt), Z_BOUND_MAX);
    assert.equal(zBound(19.6, bitsAt), 1);
  });
});
