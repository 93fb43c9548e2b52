/**
 * The hostile bank of PRODUCT.md against the monitor: two snapshots that differ in one enterprise's
 * value, monitored one against the other through the API. The bank knows the enterprise and its old
 * value and wants the new one: it guesses the bin whose share rose the most. With the released
 * (noisy, rounded) shares its guesses are right about as often as a blind guess; the same attack on
 * exact shares rounded to three decimals, which the release would give without the noise, finds the
 * bin several times as often (the measured reference that shows the attack is real).
 */
import { strict as assert } from 'node:assert';
import { Random } from '../../../models/random';
import { useSeededEnclave, waitForJob } from '../../helpers/enclave';
import type { JobResults } from '../../../lab/api/results';
import type { ReleasedStabilityBin } from '../../../lab/api/monitor';
import { monitorSpec, platformOnlyModel, rowsInBin, tableCsv } from './hand-data';

const N = 1500;
const TRIALS = 40;

/** The attacker's chance of naming the bin that holds `value`: it picks among the bins whose share rose the most. */
function guessRate(bins: { label: string; base: number; current: number }[], value: number): number {
  const rise = bins.map((b) => Number((b.current - b.base).toFixed(6)));
  const top = Math.max(...rise);
  const picks = bins.filter((_, i) => rise[i] === top);
  return picks.some((b) => rowsInBin(b.label, [value]) === 1) ? 1 / picks.length : 0;
}

describe('the hostile bank differencing two snapshots with a monitor job', function () {
  this.timeout(600_000);
  const t = useSeededEnclave();

  it("does not learn which bin one enterprise's value moved to", async () => {
    const rng = new Random(2026);
    const x = Array.from({ length: N }, () => Math.round(rng.normal() * 1000) / 100);
    const model = await platformOnlyModel(t, 'drift', tableCsv({ x: x.map(String) }), ['x'], 1000);
    let noisy = 0;
    let exact = 0;
    let blind = 0;
    let spread = 0;
    let cells = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const before = [...x];
      const sorted = [...x].sort((a, b) => a - b);
      const decile = (v: number) => Math.min(9, Math.floor((sorted.findIndex((s) => s >= v) * 10) / N));
      const who = rng.int(0, N - 1);
      const from = decile(x[who]);
      const to = (from + 1 + rng.int(0, 8)) % 10;
      x[who] = sorted[Math.floor(((to + 0.5) * N) / 10)];
      await t.client('steward').request('POST', 'v1/datasets', { csv: tableCsv({ x: x.map(String) }), query: { name: 'drift', idColumn: 'id' } });
      const job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: monitorSpec(model, 'lr', { base: trial + 1, current: trial + 2 }) })).id;
      await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
      assert.equal(await waitForJob(t, job), 'released');
      const bins = (await t.client('bankA').request<JobResults>('GET', `v1/jobs/${job}/results`)).released.stability!.features[0].bins;
      noisy += guessRate(bins, x[who]);
      blind += 1 / bins.length;
      // The reference: the same bins' exact shares rounded to three decimals, as a release without noise would give them.
      const share = (values: number[], b: ReleasedStabilityBin) => Number((rowsInBin(b.label, values) / N).toFixed(3));
      exact += guessRate(bins.map((b) => ({ label: b.label, base: share(before, b), current: share(x, b) })), x[who]);
      for (const b of bins) {
        spread += Math.abs(b.current - b.base);
        cells++;
      }
    }
    const rates = { noisy: noisy / TRIALS, exactRounded: exact / TRIALS, blind: blind / TRIALS, meanShareChange: spread / cells };
    if (process.env.JOINTLAB_SHOW) console.log(JSON.stringify(rates));
    // One row is 1/1500 = 0.00067 of a share: the released shares move by noise several times that, in every bin alike.
    assert.ok(rates.meanShareChange > 2 / N, JSON.stringify(rates));
    assert.ok(rates.noisy <= 2 * rates.blind, `the noisy release gives the destination away: ${JSON.stringify(rates)}`);
    assert.ok(rates.exactRounded >= 3 * rates.blind, `the reference attack should work on exact rounded shares: ${JSON.stringify(rates)}`);
  });
});
