import { strict as assert } from 'node:assert';
import { BasisRows } from '../../../enclave/he/basis-rows';
import type { PlatformTable } from '../../../enclave/he/design';
import type { DatasetMeta } from '../../../lab/api/datasets';

/**
 * A private-scoring session's basis rows (enclave/he/basis-rows.ts): a request of more enterprises
 * than a ciphertext holds is cut in batches, each batch's columns in one buffer of their own, every
 * value where the enterprise's place puts it; rows are computed once per session and snapshot.
 */
describe('basis rows cut in batches (enclave/he/basis-rows.ts)', () => {
  const meta = { name: 'p', createdAt: '2026-11-01T00:00:00.000Z', snapshot: 1 } as DatasetMeta;
  const policy = { modelsPerWindow: 3, windowDays: 30, noiseSwap: 0, noiseSd: 0 };
  const value = (id: string): number => Number(id.slice(1));
  let loads: string[][] = [];
  const load = async (ids: string[]): Promise<PlatformTable> => {
    loads.push(ids);
    return { meta, columns: ['a'], types: ['numeric'], byId: new Map(ids.map((id) => [id, [String(value(id))]])) };
  };
  // Two terms on one column: the value itself (standardized by mean 0, sd 1) and its missing flag.
  const rows = new BasisRows(
    [
      { feature: 'a', kind: 'z' },
      { feature: 'a', kind: 'missing' },
    ],
    { numeric: { a: { mean: 0, sd: 1 } }, categorical: [], withheld: [] },
  );

  it('puts enterprise i of batch b at place i of each of its columns, in batches of at most the size asked', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `e${i * 3}`);
    const batches = await rows.batches(meta, policy, ids, 4, load);
    assert.deepEqual(batches.map((b) => b.map((c) => c.length)), [[4, 4], [4, 4], [2, 2]]);
    batches.forEach((batch, b) => {
      assert.ok(batch.every((c) => c.buffer === batch[0].buffer), 'one buffer per batch');
      assert.deepEqual(Array.from(batch[0]), ids.slice(4 * b, 4 * b + 4).map(value));
      assert.deepEqual(Array.from(batch[1]), new Array(batch[1].length).fill(0));
    });
    assert.deepEqual(loads, [ids]);
  });

  it('reads only the enterprises it has not computed yet, and keeps the request order, repeats included', async () => {
    loads = [];
    const ids = ['e3', 'e100', 'e0', 'e3'];
    const [batch] = await rows.batches(meta, policy, ids, 8, load);
    assert.deepEqual(Array.from(batch[0]), [3, 100, 0, 3]);
    assert.deepEqual(loads, [['e100']]);
  });

  it('computes every row again after a new snapshot', async () => {
    loads = [];
    await rows.batches({ ...meta, snapshot: 2 }, policy, ['e3'], 8, load);
    assert.deepEqual(loads, [['e3']]);
  });
});
