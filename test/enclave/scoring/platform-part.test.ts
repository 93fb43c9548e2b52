/**
 * The platform part of a joint model's score through the real API: with the bank part computed from the
 * released model and the bank's own rows it gives the released model's score on the joined rows (to
 * 1e-9 with the score noise off); consent, the scoring rule on the platform features, the model budget
 * and the audit hold as for whole scores; asking a joint model for whole scores points at the part.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { bankRowsOf, fullScores } from '../../../lab/client/joint-score';
import { parseCsv } from '../../../lab/data/csv';
import { modelFrame } from '../../../lab/data/model-frame';
import { splitModel } from '../../../lab/model-parts';
import { PlatformPartAnswer } from '../../../lab/api/platform-part';
import { loadJoined } from '../../../lab/train';
import { loadModel } from '../../../models';
import { ModelFile } from '../../../models/model';
import { TestEnclave, grantScoring, importPlainData, startTestEnclave, waitForJob } from '../../helpers/enclave';
import { BANK_COLUMNS, SPREAD } from './features';



describe('the platform part of a joint model', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  const jobs: Record<string, string> = {};
  let applicants: string[];
  let consented: string[];

  const train = async (name: string, family: string, platform: string[]): Promise<string> => {
    const spec = { name, purpose: 'joint scoring', bank: { upload: 'customers', columns: BANK_COLUMNS }, platform: { dataset: 'platform', columns: platform }, label: 'default_12m', model: { family } };
    const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    assert.equal(await waitForJob(t, id), 'released');
    return id;
  };
  const ask = (job: string, ids: string[], part?: string) => t.call('bankA', 'POST', '/v1/score', { body: JSON.stringify({ job, ids, ...(part ? { part } : {}) }), type: 'application/json' });

  before(async () => {
    // Twelve released digits: the exactness check below is not about rounding.
    t = await startTestEnclave({ scoringDigits: 12 });
    await importPlainData(t);
    await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0, noiseSd: 0 } });
    jobs.lr = await train('joint-lr', 'lr', SPREAD);
    jobs.scorecard = await train('joint-scorecard', 'scorecard', SPREAD);
    // New applicants: customers of the bank with a platform record; the last ten have no scoring consent.
    applicants = parseCsv(readFileSync(t.files.bank, 'utf8'), 'bank').rows.slice(0, 90).map((r) => r[0]);
    consented = applicants.slice(0, 80);
    await grantScoring(t, consented);
  });
  after(() => t.enclave.close());

  for (const family of ['lr', 'scorecard'] as const) {
    it(`${family}: bank part + platform part = the released model on the joined rows, within 1e-9`, async () => {
      const r = await ask(jobs[family], applicants, 'platform');
      assert.equal(r.status, 200, r.text);
      const answer = r.json() as PlatformPartAnswer;
      assert.equal(answer.unit, family === 'lr' ? 'logit' : 'points');
      assert.deepEqual(answer.features, SPREAD.filter((c) => answer.features.includes(c)));
      assert.deepEqual(answer.parts.map((p) => p.id), consented);
      assert.deepEqual(answer.refused, applicants.slice(80).map((id) => ({ id, reason: 'no scoring consent for this bank' })));
      const model = await t.client('bankA').request<ModelFile>('GET', `v1/jobs/${jobs[family]}/model`);
      const parts = splitModel(model, SPREAD);
      assert.deepEqual(parts.bank.map((f) => f.name), BANK_COLUMNS.filter((c) => parts.bank.some((f) => f.name === c)));
      const scores = fullScores(parts, loadJoined([t.files.bank], 'id'), answer.parts);
      // The released model itself on the platform and bank rows joined, as the files hold them.
      const joined = bankRowsOf(loadJoined([t.files.bank, t.files.platform], 'id'), consented).rows;
      const fitted = loadModel(model);
      const frame = modelFrame(joined, model.features);
      const expected = await fitted.predict(frame);
      const points = fitted.points?.(frame);
      let worst = 0;
      scores.forEach((s, i) => {
        worst = Math.max(worst, Math.abs(s.score - expected[i]), points ? Math.abs(s.points! - points[i]) : 0);
      });
      assert.ok(worst < 1e-9, `largest difference ${worst}`);
      // The parts are not trivially constant: the platform features move the score.
      assert.ok(new Set(answer.parts.map((p) => p.value.toFixed(3))).size > 20);
    });
  }

  it('computes the part on platform rows after the score noise, as whole scores are', async () => {
    const exact = ((await ask(jobs.lr, consented, 'platform')).json() as PlatformPartAnswer).parts;
    await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0.5 } });
    try {
      const noisy = ((await ask(jobs.lr, consented, 'platform')).json() as PlatformPartAnswer).parts;
      const moved = noisy.filter((p, i) => Math.abs(p.value - exact[i].value) > 1e-9).length;
      // Each platform cell is swapped with probability 0.5: nearly every applicant's part moves.
      assert.ok(moved > consented.length / 2, `${moved} of ${consented.length} parts moved`);
    } finally {
      await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0 } });
    }
  });

  it('scores one applicant whose numeric platform cell is missing, typed as the model expects', async () => {
    // Alone in a request, a column of gaps reads as categorical from its cells; the model's kinds decide instead.
    const platform = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform');
    const at = platform.header.indexOf('electricity_yoy');
    const gaps = new Set(platform.rows.filter((r) => r[at] === '' || r[at] === 'NA').map((r) => r[0]));
    const target = consented.find((id) => gaps.has(id))!;
    assert.ok(target, 'a consented applicant without electricity_yoy');
    const all = ((await ask(jobs.lr, consented, 'platform')).json() as PlatformPartAnswer).parts;
    const alone = await ask(jobs.lr, [target], 'platform');
    assert.equal(alone.status, 200, alone.text);
    assert.equal((alone.json() as PlatformPartAnswer).parts[0].value, all.find((p) => p.id === target)!.value);
  });

  it('refuses whole scores of a joint model with 422 and points at the platform part', async () => {
    const r = await ask(jobs.lr, consented);
    assert.equal(r.status, 422);
    assert.equal(r.json().code, 'needs_bank_features');
    assert.match(r.json().detail, /"part": "platform"/);
    assert.match(r.json().detail, /--bank-features/);
  });

  it('validates the request against its schema', async () => {
    for (const body of [{ job: jobs.lr, ids: consented, part: 'bank' }, { job: jobs.lr, ids: [] }, { job: jobs.lr, ids: consented, extra: 1 }]) {
      const r = await t.call('bankA', 'POST', '/v1/score', { body: JSON.stringify(body), type: 'application/json' });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json().code, 'schema_violation');
    }
  });

  it('applies the scoring rule to the platform features: a joint model with one platform feature gets no part', async () => {
    const job = await train('joint-one-platform-feature', 'lr', ['years_established']);
    const r = await ask(job, consented, 'platform');
    assert.equal(r.status, 409);
    assert.equal(r.json().code, 'scoring_rule');
    // Nothing of the enterprises is in the refusal.
    for (const id of consented) assert.ok(!r.text.includes(id));
  });

  it('charges the model budget (one model for its whole score and its part) and audits each request', async () => {
    const fresh = applicants.slice(0, 20);
    await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { modelsPerWindow: 2 } });
    // The LR and the scorecard are the two models these applicants may see; a third is refused by id.
    const third = await train('joint-lr-again', 'lr', SPREAD.slice(0, 8));
    const r = (await ask(third, fresh, 'platform')).json() as PlatformPartAnswer;
    assert.equal(r.parts.length, 0);
    assert.deepEqual(r.refused.map((x) => x.id), fresh);
    for (const x of r.refused) assert.match(x.reason, /^model budget: already scored for this bank by 2 other models/);
    const again = (await ask(jobs.lr, fresh, 'platform')).json() as PlatformPartAnswer;
    assert.equal(again.parts.length, fresh.length, 'a model already charged scores again');
    const audit = await t.client('steward').request<{ entries: { action: string; object: string; detail: string }[] }>('GET', 'v1/audit', { query: { limit: 500 } });
    const entries = audit.entries.map((e) => ({ ...e, detail: JSON.parse(e.detail) as Record<string, unknown> })).filter((e) => e.action === 'score' && e.detail.part === 'platform');
    assert.ok(entries.some((e) => e.object === `job:${third}` && e.detail.overBudget === fresh.length), JSON.stringify(entries));
    assert.ok(!JSON.stringify(audit).includes(fresh[0]), 'a raw enterprise code reached the audit log');
  });
});
