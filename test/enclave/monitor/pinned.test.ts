/**
 * PSI and CSI through the API pinned to hand-computed values: a hand-built dataset whose base deciles
 * fall inside clusters of equal values (so the bins are known whatever the edge jitter), a second
 * snapshot with chosen shares, and a monitor job over real HTTP. The released index differs from the
 * hand value only by the bins' noise (a few rows in 4000).
 */
import { strict as assert } from 'node:assert';
import { categoricalStability, numericStability } from '../../../models/stability';
import { useSeededEnclave, waitForJob } from '../../helpers/enclave';
import type { JobResults } from '../../../lab/api/results';
import { monitorSpec, platformOnlyModel, shuffled, tableCsv } from './hand-data';

// x: values 1..4; base 1150, 950, 1250, 650 of 4000 rows (cumulative 1150, 2100, 3350: every decile
// position 400q sits at least 50 rows inside a cluster), current 400, 1600, 1000, 1000.
// Python: from math import log; e=[.2875,.2375,.3125,.1625]; a=[.1,.4,.25,.25]; sum((y-x)*log(y/x) for x,y in zip(e,a))
const X_PSI = 0.3343606036273831;
const X_BASE: [string, number][] = [['1', 1150], ['2', 950], ['3', 1250], ['4', 650]];
const X_CURRENT: [string, number][] = [['1', 400], ['2', 1600], ['3', 1000], ['4', 1000]];
// c: levels A, B, C and a rare D (5 rows, under k) that pools into "other" and, too small alone, joins C.
// e=[.5,.375,.125]; a=[.35,.425,.225] (A, B, C + other)
const C_CSI = 0.15 * Math.log(0.5 / 0.35) + 0.05 * Math.log(0.425 / 0.375) + 0.1 * Math.log(0.225 / 0.125);
const C_BASE: [string, number][] = [['A', 2000], ['B', 1500], ['C', 495], ['D', 5]];
const C_CURRENT: [string, number][] = [['A', 1400], ['B', 1700], ['C', 895], ['D', 5]];

describe('monitor figures pinned to hand-computed values', function () {
  this.timeout(300_000);
  const t = useSeededEnclave();

  it('releases the CSI of hand-built bins as models/stability.ts computes it, within the noise of a few rows', async () => {
    const base = { x: shuffled(X_BASE, 1), c: shuffled(C_BASE, 2) };
    const current = { x: shuffled(X_CURRENT, 3), c: shuffled(C_CURRENT, 4) };
    // The arithmetic itself, on the exact rows: the hand values to 1e-12.
    const exactX = numericStability(base.x.map(Number), current.x.map(Number), { bins: 10, minCount: 10 });
    assert.deepEqual(exactX.bins.map((b) => b.label), ['(-inf, 1]', '(1, 2]', '(2, 3]', '(3, inf]']);
    assert.ok(Math.abs(exactX.index - X_PSI) < 1e-12);
    const exactC = categoricalStability(base.c, current.c, { minCount: 10 });
    assert.ok(Math.abs(exactC.index - C_CSI) < 1e-12, `${exactC.index}`);

    const model = await platformOnlyModel(t, 'hand', tableCsv(base), ['x', 'c'], 2000);
    await t.client('steward').request('POST', 'v1/datasets', { csv: tableCsv(current), query: { name: 'hand', idColumn: 'id' } });
    const job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: monitorSpec(model, 'lr') })).id;
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    assert.equal(await waitForJob(t, job), 'released');
    const s = (await t.client('bankA').request<JobResults>('GET', `v1/jobs/${job}/results`)).released.stability!;
    assert.deepEqual([s.base.version, s.current.version, s.score.part], [1, 2, 'full']);

    const x = s.features.find((f) => f.name === 'x')!;
    // The always-formed missing values' bin is empty here and too small alone: it joins the first range.
    assert.deepEqual(x.bins.map((b) => b.label), ['missing + (-inf, 1]', '(1, 2]', '(2, 3]', '(3, inf]']);
    x.bins.forEach((b, i) => {
      assert.ok(Math.abs(b.base - X_BASE[i][1] / 4000) <= 0.005, `${b.label} base ${b.base}`);
      assert.ok(Math.abs(b.current - X_CURRENT[i][1] / 4000) <= 0.005, `${b.label} current ${b.current}`);
    });
    assert.ok(Math.abs(x.index - X_PSI) < 0.01, `x: ${x.index} vs ${X_PSI}`);
    assert.equal(x.level, 'shift');

    const c = s.features.find((f) => f.name === 'c')!;
    assert.deepEqual(c.bins.map((b) => b.label), ['A', 'B', 'C + other']);
    assert.ok(Math.abs(c.index - C_CSI) < 0.01, `c: ${c.index} vs ${C_CSI}`);
    assert.equal(c.level, 'watch');
    if (process.env.JOINTLAB_SHOW) console.log(JSON.stringify({ x: [x.index, X_PSI], c: [c.index, C_CSI], bins: [x.bins, c.bins] }));
  });
});
