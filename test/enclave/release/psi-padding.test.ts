import assert from 'node:assert/strict';
import { PAD_GRID, isPad, padIds, paddedPlatformSize } from '../../../enclave/release/psi-padding';

describe('PSI padding of the platform set (enclave/release/psi-padding.ts)', () => {
  const secret = Buffer.alloc(32, 7);

  it('shows a snapshot the same padded size each time, never below the dataset, under one grid step above its round-up', () => {
    for (const n of [1, 999, 1000, 1001, 20_000, 123_457]) {
      const size = paddedPlatformSize(n, secret, `v-${n}`);
      assert.equal(size, paddedPlatformSize(n, secret, `v-${n}`));
      assert.ok(size >= n && size >= Math.ceil(n / PAD_GRID) * PAD_GRID && size < Math.ceil(n / PAD_GRID) * PAD_GRID + PAD_GRID, `${n} -> ${size}`);
    }
  });

  it('hides how many enterprises one snapshot added or removed: the change a bank sees between two sizes is spread over the whole grid', () => {
    // One enterprise leaves between snapshots; the bank sees the difference of the two padded sizes.
    const seen = new Set<number>();
    let exact = 0;
    for (let v = 0; v < 400; v++) {
      const n = 20_000 + v;
      const diff = paddedPlatformSize(n - 1, secret, `after-${v}`) - paddedPlatformSize(n, secret, `before-${v}`);
      if (diff === -1) exact++;
      seen.add(Math.floor(diff / 100));
    }
    assert.ok(exact <= 4, `the true change of -1 shown ${exact} times in 400`);
    assert.ok(seen.size >= 15, `differences fall in ${seen.size} bands of 100`);
  });

  it('makes padding ids no enterprise id equals, fresh each time', () => {
    const pads = padIds(50);
    assert.equal(new Set(pads).size, 50);
    assert.ok(pads.every(isPad));
    assert.ok(!isPad('91440300MA5FXXXX1A'));
  });
});
