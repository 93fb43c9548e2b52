/**
 * The scoring rule through the real API: a one-feature model (attack 1, logit inversion) and a model
 * driven by one feature are released but refused for scoring with the reason; the verdict is in the
 * results and the steward saw a risk flag at approval; a model that spreads its score passes.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { TestEnclave, csvOf, startTestEnclave, waitForJob } from '../../helpers/enclave';
import { SPREAD } from './features';
import { runCliAsync } from '../../helpers/cli';

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('the scoring rule', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let ids: string[];

  before(async () => {
    t = await startTestEnclave();
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    await t.client('bankA').request('POST', 'v1/uploads', { csv: csvOf(t.files.bank), query: { name: 'customers' } });
    ids = parseCsv(readFileSync(t.files.platform, 'utf8'), 'p').rows.slice(0, 50).map((r) => r[0]);
    await t.client('steward').request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], ids.map((id) => [id, 'bank-a', 'scoring', day(-1), day(30)])) });
  });
  after(() => t.enclave.close());

  async function released(columns: string[], family = 'lr'): Promise<string> {
    const spec = { name: `rule-${columns.length}`, purpose: 'scoring', bank: { upload: 'customers' }, platform: { dataset: 'platform', columns }, label: 'default_12m', model: { family } };
    const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    assert.equal(await waitForJob(t, id), 'released');
    return id;
  }

  it('refuses a one-feature model with 409 scoring_rule and the reason; the steward was warned at approval', async () => {
    const job = await released(['years_established']);
    const view = await t.client('steward').request<{ flags: { code: string; message: string }[] }>('GET', `v1/jobs/${job}`);
    assert.ok(view.flags.some((f) => f.code === 'scoring_rule'), JSON.stringify(view.flags));
    const results = await t.client('bankA').request<{ scoring: { passes: boolean; reason: string } }>('GET', `v1/jobs/${job}/results`);
    assert.equal(results.scoring.passes, false);
    assert.match(results.scoring.reason, /1 platform feature; scoring needs at least 3/);
    const r = await t.call('bankA', 'POST', '/v1/score', { body: JSON.stringify({ job, ids }), type: 'application/json' });
    assert.equal(r.status, 409);
    assert.equal(r.json().code, 'scoring_rule');
    assert.match(r.json().detail, /at least 3/);
    assert.ok(!r.text.includes(ids[0]));
    const cli = await runCliAsync(['job', 'results', job], { env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.steward } });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /scoring rule: failed, the model cannot score enterprises: the model's score varies with 1 platform feature/);
  });

  it('refuses a model whose score is carried by one feature, and shows the shares', async () => {
    // The size class and registered capital barely move the log-odds next to court cases and tax grade, or the other way round:
    // whatever the fit, the verdict must follow the shares it reports.
    const job = await released(['enforcement_records', 'size_class', 'registered_capital_10k']);
    const results = await t.client('bankA').request<{ scoring: { passes: boolean; reason?: string; features: { name: string; share: number }[] } }>('GET', `v1/jobs/${job}/results`);
    const top = results.scoring.features[0];
    assert.equal(results.scoring.features.length, 3);
    assert.ok(Math.abs(results.scoring.features.reduce((s, f) => s + f.share, 0) - 1) < 0.03);
    assert.equal(results.scoring.passes, top.share <= 0.5, JSON.stringify(results.scoring));
    const r = await t.call('bankA', 'POST', '/v1/score', { body: JSON.stringify({ job, ids }), type: 'application/json' });
    assert.equal(r.status, results.scoring.passes ? 200 : 409, r.text);
  });

  it('lets a model that spreads its score over several platform features score', async () => {
    const job = await released(SPREAD, 'scorecard');
    const results = await t.client('bankA').request<{ scoring: { passes: boolean; features: { share: number }[] } }>('GET', `v1/jobs/${job}/results`);
    assert.equal(results.scoring.passes, true, JSON.stringify(results.scoring));
    assert.ok(results.scoring.features[0].share <= 0.5);
    const r = await t.call('bankA', 'POST', '/v1/score', { body: JSON.stringify({ job, ids }), type: 'application/json' });
    assert.equal(r.status, 200, r.text);
    const cli = await t.client('steward').request<{ scoring: unknown }>('GET', `v1/jobs/${job}/results`);
    assert.ok(cli.scoring, 'the steward sees the verdict too');
  });
});
