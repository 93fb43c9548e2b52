/**
 * The dataset usage report for data providers, through the HTTP API and the CLI: job and bank counts
 * under k withheld, IV and lift shares only behind two banks' models, and the figures recomputed by
 * hand from the released results the banks themselves read.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetUsage } from '../../../lab/api/usage';
import { runCliAsync } from '../../helpers/cli';
import { TestEnclave, csvOf, jointSpec, seedData, startTestEnclave, waitForJob } from '../../helpers/enclave';

type Who = 'bankA' | 'bankB';
interface Released {
  released: { metrics: { test: { auc: number } }; parameters: { description: { features: { name: string; iv: number; inModel: boolean }[] } } };
}

describe('dataset usage report (steward, for data providers)', function () {
  this.timeout(600_000);
  let t: TestEnclave;
  const platformColumns = jointSpec().platform.columns;

  before(async () => {
    t = await startTestEnclave();
    await seedData(t);
    await t.client('bankB').request('POST', 'v1/uploads', { csv: csvOf(t.files.bank), query: { name: 'customers' } });
    await t.client('steward').request('PUT', 'v1/datasets/platform/policy', { json: { k: 2 } });
  });
  after(() => t?.enclave.close());

  /** A joint scorecard and its bank-only twin for one bank, trained and released; their ids. */
  async function trainPair(who: Who): Promise<{ joint: string; bankOnly: string }> {
    const ids: string[] = [];
    for (const spec of [jointSpec('scorecard'), { ...jointSpec('scorecard'), name: 'bank-only', platform: undefined }]) {
      const { id } = await t.client(who).request<{ id: string }>('POST', 'v1/jobs', { json: spec });
      await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: { allowSensitive: [] } });
      assert.equal(await waitForJob(t, id, who), 'released');
      ids.push(id);
    }
    return { joint: ids[0], bankOnly: ids[1] };
  }

  const usage = async (query = '') => t.client('steward').request<DatasetUsage>('GET', `v1/datasets/platform/usage${query}`);

  it('shows counts but no model figure while one bank stands behind them', async () => {
    await trainPair('bankA');
    const u = await usage();
    // One joint job used the dataset (its bank-only twin did not), for one bank: both counts are under k = 2.
    assert.deepEqual([u.jobs, u.banks, u.k, u.minBanks, u.lift], [null, null, 2, 2, null]);
    const tax = u.columns.find((c) => c.column === 'tax_arrears')!;
    assert.deepEqual([tax.jobs, tax.banks, tax.iv, tax.liftShare, tax.liftAuc], [null, null, null, null, null], 'one job, one bank: under k = 2');
    const unused = u.columns.find((c) => c.column === 'electricity_yoy')!;
    assert.deepEqual([unused.jobs, unused.banks], [0, 0]);
  });

  it('gives IV and lift by column from two banks\' released models, as recomputed from their results', async () => {
    const pairs = { bankA: (await t.client('steward').request<{ jobs: { id: string; name: string; org: string }[] }>('GET', 'v1/jobs')).jobs, bankB: await trainPair('bankB') };
    const aJobs = pairs.bankA.filter((j) => j.org === 'bank-a');
    const a = { joint: aJobs.find((j) => j.name === 'joint-scorecard')!.id, bankOnly: aJobs.find((j) => j.name === 'bank-only')!.id };
    const expected = new Map<string, { iv: number[]; lift: number }>(platformColumns.map((c) => [c, { iv: [], lift: 0 }]));
    const lifts: number[] = [];
    for (const [who, pair] of [['bankA', a], ['bankB', pairs.bankB]] as const) {
      const joint = await t.client(who).request<Released>('GET', `v1/jobs/${pair.joint}/results`);
      const bankOnly = await t.client(who).request<Released>('GET', `v1/jobs/${pair.bankOnly}/results`);
      const lift = joint.released.metrics.test.auc - bankOnly.released.metrics.test.auc;
      lifts.push(lift);
      const platform = joint.released.parameters.description.features.filter((f) => f.inModel && platformColumns.includes(f.name));
      const total = platform.reduce((s, f) => s + f.iv, 0);
      for (const f of joint.released.parameters.description.features) if (platformColumns.includes(f.name)) expected.get(f.name)!.iv.push(f.iv);
      for (const f of platform) expected.get(f.name)!.lift += (lift * f.iv) / total;
    }
    const u = await usage();
    assert.deepEqual([u.jobs, u.banks], [2, 2]);
    assert.ok(u.lift && u.lift.models === 2 && Math.abs(u.lift.meanAuc - (lifts[0] + lifts[1]) / 2) < 1e-4, JSON.stringify(u.lift));
    const totalLift = [...expected.values()].reduce((s, e) => s + e.lift, 0);
    for (const column of platformColumns) {
      const c = u.columns.find((x) => x.column === column)!;
      const e = expected.get(column)!;
      assert.deepEqual([c.jobs, c.banks], [2, 2], column);
      assert.ok(c.iv !== null && Math.abs(c.iv - e.iv.reduce((s, v) => s + v, 0) / e.iv.length) < 1e-4, `${column} IV ${c.iv}`);
      if (c.liftAuc !== null) {
        assert.ok(Math.abs(c.liftAuc - e.lift) < 1e-4, `${column} lift ${c.liftAuc} vs ${e.lift}`);
        assert.ok(Math.abs(c.liftShare! - e.lift / totalLift) < 1e-4, `${column} share`);
      }
    }
    const shares = u.columns.map((c) => c.liftShare ?? 0).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(shares - 1) < 1e-3, `shares sum to ${shares}`);
    // A larger k hides the counts of two banks; the model figures still stand behind two of them.
    await t.client('steward').request('PUT', 'v1/datasets/platform/policy', { json: { k: 3 } });
    try {
      const hidden = await usage();
      assert.deepEqual([hidden.jobs, hidden.banks], [null, null]);
      assert.ok(hidden.columns.every((c) => (c.banks === null && c.jobs === null) || (c.banks === 0 && c.jobs === 0)));
    } finally {
      await t.client('steward').request('PUT', 'v1/datasets/platform/policy', { json: { k: 2 } });
    }
  });

  it('limits the period by date, refuses bad dates and anyone but the steward', async () => {
    const later = await usage('?from=2999-01-01');
    assert.deepEqual([later.jobs, later.banks, later.lift], [0, 0, null]);
    assert.ok(later.columns.every((c) => c.jobs === 0 && c.iv === null));
    const bad = await t.call('steward', 'GET', '/v1/datasets/platform/usage?from=2026-13');
    assert.equal(bad.status, 400);
    assert.equal(bad.json().code, 'bad_date');
    assert.equal((await t.call('bankA', 'GET', '/v1/datasets/platform/usage')).status, 403);
    assert.equal((await t.call('steward', 'GET', '/v1/datasets/nope/usage')).status, 404);
  });

  it('jointlab dataset usage prints the table and writes the same figures as a self-contained HTML page', async () => {
    const out = join(t.dir, 'usage.html');
    const env = { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.steward };
    const json = await runCliAsync(['dataset', 'usage', 'platform', '--out', out, '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const printed = JSON.parse(json.stdout);
    assert.deepEqual({ ...printed, out: undefined }, { ...(await usage()), out: undefined });
    const html = readFileSync(out, 'utf8');
    assert.match(html, /<title>Dataset usage: platform<\/title>/);
    assert.match(html, /Share of the joint models(&#39;|&apos;|')? AUC lift by column/);
    assert.doesNotMatch(html, /<script|<link|<img/);
    const text = await runCliAsync(['dataset', 'usage', 'platform'], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /dataset platform: 2 trained jobs for 2 banks/);
    assert.match(text.stdout, /tax_arrears/);
  });
});
