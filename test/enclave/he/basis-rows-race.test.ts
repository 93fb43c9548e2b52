import { strict as assert } from 'node:assert';
import { BasisRows } from '../../../enclave/he/basis-rows';
import type { PlatformTable } from '../../../enclave/he/design';
import type { DatasetMeta } from '../../../lab/api/datasets';

/**
 * Red-team (review5): two scoring requests of one session in flight while the steward changes the
 * scoring policy (here: turns the cell noise up) or re-imports the dataset. The request that began
 * under the old setting resumes after its platform read and writes its rows into the map the newer
 * request made for the new setting (basis-rows.ts keeps `this.rows`, not the map of its own key), so
 * every later request under the new setting is served the old cells, without the new noise. The
 * control holds when a request after both reads the new setting's cells.
 */
describe('red team: basis rows of two requests in flight across a policy change (enclave/he/basis-rows.ts)', () => {
  const meta = { name: 'p', createdAt: '2026-11-01T00:00:00.000Z', snapshot: 1 } as DatasetMeta;
  const quiet = { modelsPerWindow: 3, windowDays: 30, noiseSwap: 0, noiseSd: 0 };
  const noisy = { ...quiet, noiseSd: 0.5 };
  // What the platform read gives under each setting: the true value, or the value after the noise.
  const table = (ids: string[], shift: number): PlatformTable => ({ meta, columns: ['a'], types: ['numeric'], byId: new Map(ids.map((id) => [id, [String(Number(id.slice(1)) + shift)]])) });
  const terms = [{ feature: 'a', kind: 'z' as const }];
  const stats = { numeric: { a: { mean: 0, sd: 1 } }, categorical: [], withheld: [] };

  for (const [what, second] of [
    ['the noise turned up', { meta, policy: noisy }],
    ['the dataset imported again', { meta: { ...meta, snapshot: 2 }, policy: quiet }],
  ] as const) {
    it(`after ${what} while an older request reads the platform, later requests get the new cells`, async () => {
      const rows = new BasisRows(terms, stats);
      let releaseOld: () => void = () => undefined;
      const oldRead = new Promise<void>((r) => (releaseOld = r));
      // The old request: its platform read finishes last.
      const older = rows.batches(meta, quiet, ['e7'], 8, async (ids) => {
        await oldRead;
        return table(ids, 0);
      });
      const newer = await rows.batches(second.meta, second.policy, ['e7'], 8, async (ids) => table(ids, 1000));
      assert.equal(newer[0][0][0], 1007);
      releaseOld();
      assert.equal((await older)[0][0][0], 7);
      let reads = 0;
      const later = await rows.batches(second.meta, second.policy, ['e7'], 8, async (ids) => {
        reads++;
        return table(ids, 1000);
      });
      assert.equal(later[0][0][0], 1007, `a later request under the new setting read the old cell (${later[0][0][0]}; platform reads: ${reads})`);
    });
  }
});
