/**
 * The per-enterprise model budget through the real API and the CLI: a third distinct model is refused
 * by id with the reason, a model already charged scores again, the steward sets the budget and reads
 * the counts, a bank reads only its own counts with those under k suppressed.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { runCliAsync } from '../../helpers/cli';
import { TestEnclave, csvOf, startTestEnclave, waitForJob } from '../../helpers/enclave';
import { SPREAD } from './features';

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

interface ScoreAnswer {
  scores: { id: string; score: number }[];
  refused: { id: string; reason: string }[];
}

describe('the model budget', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let ids: string[];
  const jobs: string[] = [];

  before(async () => {
    t = await startTestEnclave();
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    await t.client('bankA').request('POST', 'v1/uploads', { csv: csvOf(t.files.bank), query: { name: 'customers' } });
    ids = parseCsv(readFileSync(t.files.platform, 'utf8'), 'p').rows.slice(0, 30).map((r) => r[0]);
    await t.client('steward').request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], ids.map((id) => [id, 'bank-a', 'scoring', day(-1), day(30)])) });
    for (const [family, l2] of [['lr', 1], ['scorecard', 0], ['lr', 10]] as const) {
      const spec = { name: `budget-${family}-${l2}`, purpose: 'scoring', bank: { upload: 'customers' }, platform: { dataset: 'platform', columns: SPREAD }, label: 'default_12m', model: { family, ...(family === 'lr' ? { params: { l2 } } : {}) } };
      const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
      await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
      assert.equal(await waitForJob(t, id), 'released');
      jobs.push(id);
    }
  });
  after(() => t.enclave.close());

  const score = (job: string, list: string[]) => t.client('bankA').request<ScoreAnswer>('POST', 'v1/score', { json: { job, ids: list } });
  const cli = (args: string[], who: 'steward' | 'bankA' = 'steward') => runCliAsync(args, { env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens[who] } });

  it('refuses a third distinct model by id with the reason, before scoring anything; a model already charged scores again', async () => {
    assert.equal((await score(jobs[0], ids.slice(0, 20))).scores.length, 20);
    assert.equal((await score(jobs[1], ids.slice(0, 10))).scores.length, 10);
    const third = await score(jobs[2], ids.slice(0, 20));
    // The first ten have used their two models; the next ten have one left.
    assert.deepEqual(third.scores.map((s) => s.id), ids.slice(10, 20));
    assert.deepEqual(third.refused.map((r) => r.id), ids.slice(0, 10));
    for (const r of third.refused) assert.match(r.reason, /^model budget: already scored for this bank by 2 other models in the last 30 days$/);
    assert.equal((await score(jobs[0], ids.slice(0, 20))).scores.length, 20, 'the first model again costs nothing');
  });

  it('shows the steward the counts (API, CLI) and a bank only its own, k-safe', async () => {
    const view = await t.client('steward').request<{ banks: { bank: string; models: number; byModels: { models: number; enterprises: number }[]; atLimit: number }[] }>('GET', 'v1/scoring/budget/platform');
    assert.deepEqual(view.banks, [{ bank: 'bank-a', models: 3, byModels: [{ models: 2, enterprises: 20 }], atLimit: 20 }]);
    const bank = await t.client('bankA').request<{ banks: { byModels: { enterprises: number | null }[]; atLimit: number | null }[] }>('GET', 'v1/scoring/budget/platform');
    assert.equal(bank.banks[0].atLimit, 20, 'twenty enterprises stand behind the count (k = 10), rounded to 5');
    const other = await t.client('bankB').request<{ banks: unknown[] }>('GET', 'v1/scoring/budget/platform');
    assert.deepEqual(other.banks, [], "another bank sees nothing of bank A's use");
    const text = await cli(['scoring', 'budget', 'platform']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /bank-a\s+3\s+2: 20\s+20/);
    assert.ok(!ids.some((id) => text.stdout.includes(id)));
  });

  it('lets the steward raise the budget from the CLI, audited, and refuses bad settings with 400', async () => {
    const set = await cli(['scoring', 'policy', 'platform', '--models-per-window', '3', '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).modelsPerWindow, 3);
    assert.equal((await score(jobs[2], ids.slice(0, 10))).scores.length, 10);
    const denied = await cli(['scoring', 'policy', 'platform', '--models-per-window', '9'], 'bankA');
    assert.notEqual(denied.code, 0);
    const bad = await t.call('steward', 'PUT', '/v1/scoring/policy/platform', { body: JSON.stringify({ noiseSwap: 2 }), type: 'application/json' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().code, 'bad_scoring_policy');
    const audit = await t.client('steward').request<{ entries: { action: string }[] }>('GET', 'v1/audit', { query: { limit: 1000 } });
    assert.ok(audit.entries.some((e) => e.action === 'scoring.policy'));
  });
});
