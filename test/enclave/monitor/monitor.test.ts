/**
 * Monitor jobs over real HTTP: a bank monitors its released model between two snapshots, the steward
 * approves, the enclave releases the score's PSI and each platform feature's CSI on bins that hold at
 * least k rows of both snapshots; refusals carry stable codes.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { isMissingCell } from '../../../lab/data/columns';
import { jointSpec, useSeededEnclave, waitForJob } from '../../helpers/enclave';
import type { JobResults } from '../../../lab/api/results';
import type { JobView } from '../../../lab/api/jobs';
import type { StabilityFigure } from '../../../lab/api/monitor';
import { monitorSpec, rowsInBin } from './hand-data';

describe('monitor jobs', function () {
  this.timeout(300_000);
  const t = useSeededEnclave();
  const submit = (spec: object) => t.call('bankA', 'POST', '/v1/jobs', { body: JSON.stringify(spec), type: 'application/json' });
  const trained = async (spec: object): Promise<string> => {
    const id = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    assert.equal(await waitForJob(t, id), 'released');
    return id;
  };
  const monitored = async (spec: object): Promise<{ id: string; results: JobResults }> => {
    const r = await submit(spec);
    assert.equal(r.status, 201, r.text);
    const id = r.json().id as string;
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    assert.equal(await waitForJob(t, id), 'released');
    return { id, results: await t.client('bankA').request<JobResults>('GET', `v1/jobs/${id}/results`) };
  };
  let joint: string;
  const column = (csv: string, name: string): (number | null)[] => {
    const table = parseCsv(csv, 'platform');
    const at = table.header.indexOf(name);
    return table.rows.map((r) => (isMissingCell(r[at], 'numeric') ? null : Number(r[at])));
  };
  let shifted: string;

  before(async () => {
    joint = await trained(jointSpec('lr'));
    // Snapshot 2: VAT paid ten times larger for every enterprise, everything else as it was.
    const table = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform');
    const at = table.header.indexOf('vat_paid_12m_10k');
    shifted = formatCsv(table.header, table.rows.map((r) => r.map((cell, j) => (j === at && cell !== '' ? String(Number(cell) * 10) : cell))));
    await t.client('steward').request('POST', 'v1/datasets', { csv: Buffer.from(shifted), query: { name: 'platform', idColumn: 'id' } });
  });

  it("releases the PSI of a joint model's platform part and the CSI of each platform feature, finding the column that moved", async () => {
    const r = await submit(monitorSpec(joint, 'lr'));
    assert.equal(r.status, 201, r.text);
    const view = r.json() as JobView;
    // Stored resolved: the model's platform features, the snapshot the job trained on, and the latest.
    assert.deepEqual(view.spec.monitor, { job: joint, base: 1, current: 2 });
    assert.equal(view.spec.platform?.dataset, 'platform');
    const steward = (await t.call('steward', 'GET', `/v1/jobs/${view.id}`)).json() as JobView;
    assert.ok(steward.flags?.some((f) => f.code === 'monitor' && /snapshots 1 and 2/.test(f.message)));
    await t.client('steward').request('POST', `v1/jobs/${view.id}/approve`, { json: {} });
    assert.equal(await waitForJob(t, view.id), 'released');
    const results = await t.client('bankA').request<JobResults>('GET', `v1/jobs/${view.id}/results`);
    const s = results.released.stability!;
    assert.deepEqual([s.job, s.family, s.dataset, s.base.version, s.current.version, s.k], [joint, 'lr', 'platform', 1, 2, 10]);
    assert.deepEqual([s.score.part, s.score.unit], ['platform', 'logit']);
    assert.deepEqual(s.thresholds, { watch: 0.1, shift: 0.25 });
    assert.deepEqual(s.features.map((f) => f.name).sort(), [...view.spec.platform!.columns].sort());
    const vat = s.features.find((f) => f.name === 'vat_paid_12m_10k')!;
    assert.equal(vat.level, 'shift', `CSI ${vat.index}`);
    assert.ok(s.score.index > 0.1, `the score moved with it: PSI ${s.score.index}`);
    // The other columns did not change: only noise separates their shares, far under the watch line.
    for (const f of s.features.filter((x) => x.name !== 'vat_paid_12m_10k')) assert.ok(f.index < 0.01 && f.level === 'stable', `${f.name}: ${f.index}`);
    // The index is what the released shares give (anyone can recompute it), and shares have three decimals.
    const recomputed = (f: StabilityFigure) => f.bins.reduce((sum, b) => sum + (Math.max(b.current, 1e-4) - Math.max(b.base, 1e-4)) * Math.log(Math.max(b.current, 1e-4) / Math.max(b.base, 1e-4)), 0);
    for (const f of [s.score, ...s.features]) {
      assert.ok(Math.abs(recomputed(f) - f.index) < 1e-4, f.name);
      for (const b of f.bins) for (const share of [b.base, b.current]) assert.equal(share, Number(share.toFixed(3)));
      assert.ok(Math.abs(f.bins.reduce((x, b) => x + b.base, 0) - 1) < 0.01);
    }
    const audit = await t.enclave.db.all<{ action: string }>('SELECT action FROM audit WHERE object = ?', [`job:${view.id}`]);
    assert.deepEqual(audit.map((a) => a.action), ['job.submitted', 'job.approved', 'job.running', 'job.succeeded', 'job.released']);
  });

  it('never releases a bin holding fewer than k rows of either snapshot', async () => {
    const { results } = await monitored(monitorSpec(joint, 'lr'));
    const s = results.released.stability!;
    if (process.env.JOINTLAB_SHOW) console.log(JSON.stringify(s, null, 1));
    const before = readFileSync(t.files.platform, 'utf8');
    let checked = 0;
    for (const f of s.features) {
      const [b, c] = [column(before, f.name), column(shifted, f.name)];
      if (b.every((v) => v === null || Number.isFinite(v)) && f.bins.every((bin) => bin.label.split(' + ').every((p) => p === 'missing' || /^\(/.test(p)))) {
        for (const bin of f.bins) assert.ok(rowsInBin(bin.label, b) >= s.k && rowsInBin(bin.label, c) >= s.k, `${f.name} ${bin.label}`);
        checked++;
      }
    }
    assert.ok(checked >= 4, `${checked} numeric features checked`);
    // Category levels under k pool into "other", which is always there.
    const grade = s.features.find((f) => f.name === 'tax_grade')!;
    assert.ok(grade.bins.some((b) => /other/.test(b.label)));
  });

  it('monitors a platform-only model whole, and a snapshot against itself shows no shift at all', async () => {
    const platformOnly = await trained({ ...jointSpec('scorecard'), name: 'platform-only', bank: { upload: 'customers' } });
    const { results } = await monitored(monitorSpec(platformOnly, 'scorecard', { base: 2, current: 2 }));
    const s = results.released.stability!;
    assert.deepEqual([s.score.part, s.score.unit], ['full', 'probability']);
    // The same snapshot draws the same noise on both sides: every share equal, every index 0.
    for (const f of [s.score, ...s.features]) {
      assert.equal(f.index, 0, f.name);
      assert.ok(f.bins.every((b) => b.base === b.current));
    }
  });

  it('refuses what it cannot monitor, with stable codes and the alternative', async () => {
    const gbdt = await trained(jointSpec('gbdt', { model: { family: 'gbdt', params: { rounds: 5 } } }));
    const cases: [object, number, string, RegExp][] = [
      [monitorSpec(gbdt, 'gbdt'), 422, 'not_monitorable', /joint gbdt.*platform-only model/],
      [monitorSpec('j_nope', 'lr'), 422, 'spec_references', /no job of that id/],
      [monitorSpec(joint, 'scorecard'), 422, 'spec_references', /monitored model's family/],
      [monitorSpec(joint, 'lr', { current: 9 }), 422, 'unknown_snapshot', /snapshots are 1 to 2/],
      [{ ...monitorSpec(joint, 'lr'), bank: { upload: 'customers' } }, 422, 'spec_mode', /not used in monitor mode/],
      [{ ...monitorSpec(joint, 'lr'), platform: { dataset: 'platform', columns: ['tax_grade'] } }, 422, 'spec_mode', /filled in by the enclave/],
    ];
    for (const [spec, status, code, message] of cases) {
      const r = await submit(spec);
      assert.equal(r.status, status, `${code}: ${r.text}`);
      assert.equal(r.json().code, code);
      assert.match(JSON.stringify(r.json()), message);
    }
    // Another bank's job is not there for bank B, and a monitor job is not a model.
    const other = await t.call('bankB', 'POST', '/v1/jobs', { body: JSON.stringify(monitorSpec(joint, 'lr')), type: 'application/json' });
    assert.equal(other.json().code, 'spec_references');
    const { id } = await monitored(monitorSpec(joint, 'lr'));
    assert.equal((await submit(monitorSpec(id, 'lr'))).json().code, 'not_monitorable');
  });
});
