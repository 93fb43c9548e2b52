/** Feature selection in a spec, through the HTTP API: refused where it cannot be accounted, run inside the worker, released as a coarsened path. */
import { strict as assert } from 'node:assert';
import { runCliAsync } from '../../helpers/cli';
import { jointSpec, useSeededEnclave, waitForJob } from '../../helpers/enclave';

const decimals = (x: number): number => (String(x).split('.')[1] ?? '').length;

describe('feature selection in a job spec', function () {
  this.timeout(240_000);
  const t = useSeededEnclave();
  const post = (spec: object) => t.call('bankA', 'POST', '/v1/jobs', { body: JSON.stringify(spec), type: 'application/json' });

  it('refuses selection under DP, for other families and outside plaintext (422 at /selection), and out-of-bounds options (400)', async () => {
    const selection = { method: 'forward' };
    const cases: [object, RegExp][] = [
      [jointSpec('lr', { selection, privacy: { epsilon: 2 } }), /refused under differential privacy/],
      [jointSpec('gbdt', { selection }), /applies to "lr" and "scorecard", not "gbdt"/],
      [jointSpec('mlp', { selection }), /not "mlp"/],
      [jointSpec('lr', { selection, mode: 'he-train', label: undefined, bank: { upload: 'customers' } }), /runs in plaintext training only/],
    ];
    for (const [spec, message] of cases) {
      const r = await post(spec);
      assert.equal(r.status, 422, r.text);
      const problem = r.json();
      assert.equal(problem.code, 'spec_mode');
      const at = problem.problems.find((p: { pointer: string }) => p.pointer === '/selection');
      assert.ok(at, r.text);
      assert.match(at.message, message);
    }
    const bounds = await post(jointSpec('lr', { selection: { method: 'sideways', maxVif: 0.5, maxFeatures: 0 } }));
    assert.equal(bounds.status, 400);
    const pointers = bounds.json().problems.map((p: { pointer: string }) => p.pointer).sort();
    assert.deepEqual(pointers, ['/selection/maxFeatures', '/selection/maxVif', '/selection/method']);
  });

  it('runs stepwise selection by validation AUC before the fit; the release carries the coarsened path; the same seed gives the same path', async () => {
    const spec = jointSpec('scorecard', { name: 'selected-card', selection: { ivMin: 0.02, maxCorrelation: 0.8, method: 'stepwise', criterion: 'auc', maxFeatures: 6, validationFraction: 0.5 }, validation: { seed: 9 } });
    // About 46 defaults among the 1,050 training rows: a half-slice holds about 23, far above k = 10 and its noise.
    const run = async () => {
      const r = await post(spec);
      assert.equal(r.status, 201, r.text);
      const id = r.json().id;
      await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
      assert.equal(await waitForJob(t, id), 'released');
      return { id, results: (await t.call('bankA', 'GET', `/v1/jobs/${id}/results`)).json() };
    };
    const { id, results } = await run();
    const { selection, parameters } = results.released;
    assert.ok(selection, JSON.stringify(results.released).slice(0, 300));
    const columns = [...spec.bank.columns, ...spec.platform.columns];
    assert.ok(selection.features.length >= 2 && selection.features.length <= 6, JSON.stringify(selection));
    for (const f of selection.features) assert.ok(columns.includes(f));
    // The model is fitted on exactly the kept features.
    assert.deepEqual(parameters.model.features.map((f: { name: string }) => f.name).sort(), [...selection.features].sort());
    // The adds and drops, replayed, give the kept features in order; AUC figures at 3 decimals, IV at 3.
    let replay: string[] = [];
    for (const s of selection.path) {
      if (s.action === 'add') replay.push(s.feature);
      if (s.action === 'drop') replay = replay.filter((f) => f !== s.feature);
      if (s.action !== 'filter') assert.equal(s.metric, 'auc');
      assert.ok(decimals(s.value) <= (s.metric === 'correlation' ? 2 : 3), JSON.stringify(s));
    }
    assert.deepEqual(replay, selection.features);
    assert.deepEqual(selection.start, { metric: 'auc', value: 0.5 });

    const again = await run();
    assert.deepEqual(again.results.released.selection, selection);

    const text = await runCliAsync(['job', 'results', id], { env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankA } });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /feature selection:\n/);
    assert.match(text.stdout, new RegExp(`\\n1\\s+(add|filter)\\s+${selection.path[0].feature}\\s`));
    const report = await t.call('bankA', 'GET', `/v1/jobs/${id}/report?compare=none`);
    assert.equal(report.status, 200);
    assert.match(report.text, /<h2>Feature selection<\/h2>/);
    assert.ok(report.text.includes(`<td>${selection.path.at(-1).feature}`));
  });

  it('selects for logistic regression by AIC on the population-independent encoder, AIC released in whole units', async () => {
    const r = await post(jointSpec('lr', { name: 'selected-lr', selection: { method: 'forward', criterion: 'aic', maxVif: 5 } }));
    assert.equal(r.status, 201, r.text);
    const id = r.json().id;
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    assert.equal(await waitForJob(t, id), 'released');
    const { selection, parameters } = (await t.call('bankA', 'GET', `/v1/jobs/${id}/results`)).json().released;
    const adds = selection.path.filter((s: { action: string }) => s.action === 'add');
    assert.ok(adds.length >= 2);
    for (const s of adds) assert.ok(s.metric === 'aic' && Number.isInteger(s.value), JSON.stringify(s));
    for (let i = 1; i < adds.length; i++) assert.ok(adds[i].value <= adds[i - 1].value);
    assert.ok(Number.isInteger(selection.start.value) && selection.start.value > adds[0].value);
    assert.deepEqual(parameters.model.state.encoder.features.map((f: { name: string }) => f.name).sort(), [...selection.features].sort());
  });

  it('withholds validation AUC figures when a class of the validation slice is under k, and releases the rest of the path', async () => {
    // k = 30: the training rows' ~46 defaults clear it, a quarter-slice's ~12 do not.
    await t.client('steward').request('PUT', 'v1/datasets/platform/policy', { json: { k: 30 } });
    try {
      const r = await post(jointSpec('scorecard', { name: 'small-slice', selection: { method: 'forward', criterion: 'auc', validationFraction: 0.25, maxFeatures: 3 } }));
      assert.equal(r.status, 201, r.text);
      const id = r.json().id;
      await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
      assert.equal(await waitForJob(t, id), 'released');
      const { selection } = (await t.call('bankA', 'GET', `/v1/jobs/${id}/results`)).json().released;
      assert.ok(selection.features.length >= 1);
      assert.ok(selection.path.every((s: { value: number | null }) => s.value === null));
      assert.equal(selection.start.value, null);
      assert.equal(selection.note, 'validation AUC withheld: a label class of the validation slice has fewer than about 30 rows');
      assert.equal(selection.validation, undefined, 'exact slice counts never leave');
    } finally {
      await t.client('steward').request('PUT', 'v1/datasets/platform/policy', { json: { k: 10 } });
    }
  });
});
