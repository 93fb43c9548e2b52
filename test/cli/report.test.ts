/** `jointlab report`: a self-contained HTML page with titled, labelled SVG charts of released figures only. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnclave, jointSpec, seedData, startTestEnclave, storeCheckedJob, waitForJob } from '../helpers/enclave';
import { runCliAsync, tempDir } from '../helpers/cli';
import { CANARY_RULES, RELEASED_CANARY, WITHHELD_CANARIES, canaryOutcome } from '../helpers/canary';
import { Random } from '../../models/random';

const bankOnlySpec = (family: string) => {
  const { platform: _platform, ...spec } = jointSpec(family, { name: `bank-only-${family}` });
  return spec;
};

describe('jointlab report', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  const dir = tempDir('jointlab-report-');
  const ids: Record<string, string> = {};
  const env = (): NodeJS.ProcessEnv => ({ JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankA });

  before(async () => {
    t = await startTestEnclave();
    await seedData(t);
    for (const [key, spec] of Object.entries({ joint: jointSpec('scorecard'), bankOnly: bankOnlySpec('scorecard'), lr: jointSpec('lr') })) {
      ids[key] = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
      await t.client('steward').request('POST', `v1/jobs/${ids[key]}/approve`, { json: { allowSensitive: [] } });
      assert.equal(await waitForJob(t, ids[key]), 'released');
    }
  });
  after(() => t.enclave.close());

  it('writes one page with titled, labelled charts, the scorecard bins and the joint-versus-bank-only comparison', async () => {
    const out = join(dir, 'report.html');
    const r = await runCliAsync(['report', ids.joint, '--out', out], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    const results = await t.client('bankA').request<{ released: { metrics: { test: { auc: number } } } }>('GET', `v1/jobs/${ids.joint}/results`);
    const bankOnly = await t.client('bankA').request<{ released: { metrics: { test: { auc: number } } } }>('GET', `v1/jobs/${ids.bankOnly}/results`);

    const charts = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    const titles = charts.map((svg) => /<title id="[^"]+">([^<]+)<\/title>/.exec(svg)?.[1]);
    for (const expected of ['ROC curve', 'KS', 'Score distribution by class', 'Calibration by decile', 'Information value by feature', 'points by bin']) {
      assert.ok(titles.some((title) => title?.includes(expected)), `no chart titled "${expected}" in ${titles.join(' | ')}`);
    }
    for (const svg of charts) assert.equal((svg.match(/class="axis-label"/g) ?? []).length, 2, 'every chart labels both axes');
    assert.match(html, /<h2>Joint versus bank-only<\/h2>/);
    assert.ok(html.includes(ids.bankOnly));
    assert.ok(html.includes(results.released.metrics.test.auc.toFixed(4)));
    assert.ok(html.includes(bankOnly.released.metrics.test.auc.toFixed(4)));
    assert.match(html, /<th>WOE<\/th>/);
    // Element ids are unique in the page, and the same job gives the same bytes.
    const elementIds = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(elementIds).size, elementIds.length);
    assert.equal((await t.call('bankA', 'GET', `/v1/jobs/${ids.joint}/report`)).text, html);

    // Self-contained: no script, nothing fetched, every style inline.
    assert.doesNotMatch(html, /<script|<link|<img|src=|@import|url\((?!#)/i);
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^\s"']+/g) ?? [])], ['http://www.w3.org/2000/svg']);
  });

  it('draws a logistic regression without scorecard bins, and compares with nothing when told so', async () => {
    const r = await runCliAsync(['report', ids.lr, '--compare', 'none', '--out', join(dir, 'lr.html'), '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).out, join(dir, 'lr.html'));
    const html = readFileSync(join(dir, 'lr.html'), 'utf8');
    assert.match(html, /Standardized coefficients/);
    assert.doesNotMatch(html, /Scorecard bins|Joint versus bank-only/);
  });

  it('never draws a figure the release check withheld, and says what was withheld and why', async () => {
    const id = await storeCheckedJob(t, canaryOutcome(), CANARY_RULES);
    const html = (await t.call('bankA', 'GET', `/v1/jobs/${id}/report?compare=none`)).text;
    for (const canary of WITHHELD_CANARIES) assert.ok(!html.includes(canary), `withheld figure ${canary} is on the page`);
    // What was released is there (so the check above could have failed), and the curves, withheld too, are not drawn.
    assert.ok(html.includes(RELEASED_CANARY));
    assert.match(html, /test metrics: a label class has fewer than about 10 test rows/);
    assert.doesNotMatch(html, /ROC curve/);
    const all = await storeCheckedJob(t, canaryOutcome({ rows: { train: 50, test: 400 } }), CANARY_RULES, 'all-withheld');
    const empty = (await t.call('bankA', 'GET', `/v1/jobs/${all}/report?compare=none`)).text;
    for (const canary of [RELEASED_CANARY, '2.7182', '1.2345', ...WITHHELD_CANARIES]) assert.ok(!empty.includes(canary), `withheld figure ${canary} is on the page`);
    assert.match(empty, /trained on fewer than about 100 rows/);
  });

  it('flags an overfitted model in the report and in `jointlab job results` (train AUC 0.868 against 0.753 test), and no other', async () => {
    const random = new Random(9);
    const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const scores = Float64Array.from(labels, (y) => 0.2 * y + random.uniform());
    const overfit = canaryOutcome({
      rows: { train: 3000, test: 1000 },
      classes: { train: { positive: 600, negative: 2400 }, test: { positive: 200, negative: 800 } },
      metrics: { train: { auc: 0.868, ks: 0.58, gini: 0.736 }, test: { auc: 0.753, ks: 0.39, gini: 0.506 } },
      test: { labels, scores },
    });
    const id = await storeCheckedJob(t, overfit, CANARY_RULES, 'overfit-mlp');
    const html = (await t.call('bankA', 'GET', `/v1/jobs/${id}/report?compare=none`)).text;
    assert.match(html, /class="overfit" role="alert"><strong>Warning.<\/strong> Overfitting: train AUC 0\.86\d is 0\.1\d\d above test AUC 0\.75\d/);
    const text = await runCliAsync(['job', 'results', id], { env: env() });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /warning: Overfitting: train AUC 0\.86\d is 0\.1\d\d above test AUC 0\.75\d \(flagged when the train AUC exceeds the test AUC by more than 0\.05\)/);
    const json = JSON.parse((await runCliAsync(['job', 'results', id, '--json'], { env: env() })).stdout);
    assert.equal(json.overfitting.flagged, true);
    // Train 0.768 against test 0.753 is within the rule: no warning, and the report says which rule was applied.
    const fine = await storeCheckedJob(t, { ...overfit, metrics: { ...overfit.metrics, train: { auc: 0.768, ks: 0.41, gini: 0.536 } } }, CANARY_RULES, 'fine-lr');
    const quiet = await runCliAsync(['job', 'results', fine], { env: env() });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stdout, /Overfitting/);
    assert.match((await t.call('bankA', 'GET', `/v1/jobs/${fine}/report?compare=none`)).text, /No sign of overfitting: train AUC 0\.7\d\d, test AUC 0\.75\d \(flagged when/);
  });

  it('answers another bank 404 and a job without results 409, in plain words', async () => {
    const other = await runCliAsync(['report', ids.joint, '--json'], { env: { ...env(), JOINTLAB_TOKEN: t.tokens.bankB } });
    assert.equal(JSON.parse(other.stdout).error.code, 'not_found');
    const pending = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec('lr', { name: 'pending' }) })).id;
    const r = await runCliAsync(['report', pending, '--json'], { env: env() });
    assert.equal(JSON.parse(r.stdout).error.code, 'no_results');
    assert.match(r.stderr, /results exist once it has been trained and checked/);
    const against = await runCliAsync(['report', ids.joint, '--compare', pending, '--json'], { env: env() });
    assert.equal(JSON.parse(against.stdout).error.code, 'no_results');
    assert.match(against.stderr, /the job to compare with is submitted/);
  });
});
