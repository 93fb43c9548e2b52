/**
 * `jointlab job score ID --ids FILE --bank-features FILE` against a real enclave: full scores of a
 * joint logistic regression and a joint scorecard equal the released model on the joined rows within
 * 1e-9 (score noise off); applicants without consent, without a bank row or over the model budget are
 * refused by id with the reason; a joint model without --bank-features is pointed at the flag.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JointScores, NO_BANK_ROW, bankRowsOf } from '../../lab/client/joint-score';
import { formatCsv, parseCsv } from '../../lab/data/csv';
import { modelFrame } from '../../lab/data/model-frame';
import { loadJoined } from '../../lab/train';
import { loadModel } from '../../models';
import { ModelFile } from '../../models/model';
import { BANK_COLUMNS, SPREAD } from '../enclave/scoring/features';
import { runCliAsync } from '../helpers/cli';
import { PmmlDocument } from '../helpers/pmml-reader';
import { TestEnclave, grantScoring, importPlainData, startTestEnclave, waitForJob } from '../helpers/enclave';

describe('job score with --bank-features (joint models)', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  const jobs: Record<string, string> = {};
  let bankFile: string;
  let idsFile: string;
  let ids: string[];
  const as = { env: { JOINTLAB_URL: '', JOINTLAB_TOKEN: '' } };

  before(async () => {
    t = await startTestEnclave({ scoringDigits: 12 });
    as.env = { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankA };
    await importPlainData(t);
    await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0, noiseSd: 0 } });
    for (const family of ['lr', 'scorecard']) {
      const spec = { name: `joint-${family}`, purpose: 'joint scoring', bank: { upload: 'customers', columns: BANK_COLUMNS }, platform: { dataset: 'platform', columns: SPREAD }, label: 'default_12m', model: { family } };
      jobs[family] = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
      await t.client('steward').request('POST', `v1/jobs/${jobs[family]}/approve`, { json: {} });
      assert.equal(await waitForJob(t, jobs[family]), 'released');
    }
    // 60 applicants with a bank row, 5 more named but without one; the first 55 and the 5 have scoring consent.
    const bank = parseCsv(readFileSync(t.files.bank, 'utf8'), 'bank');
    const rows = bank.rows.slice(200, 260);
    ids = [...rows.map((r) => r[0]), ...bank.rows.slice(300, 305).map((r) => r[0])];
    bankFile = join(t.dir, 'applicants.csv');
    writeFileSync(bankFile, formatCsv(bank.header, rows));
    idsFile = join(t.dir, 'ids.csv');
    writeFileSync(idsFile, formatCsv(['id'], ids.map((id) => [id])));
    await grantScoring(t, [...ids.slice(0, 55), ...ids.slice(60)]);
  });
  after(() => t.enclave.close());

  for (const family of ['lr', 'scorecard'] as const) {
    it(`${family}: full scores equal the released model on the joined rows within 1e-9`, async () => {
      const run = await runCliAsync(['job', 'score', jobs[family], '--ids', bankFile, '--bank-features', bankFile, '--json'], as);
      assert.equal(run.code, 0, run.stderr);
      const r = JSON.parse(run.stdout) as JointScores;
      assert.equal(r.kind, family);
      assert.deepEqual(r.scores.map((s) => s.id), ids.slice(0, 55));
      assert.deepEqual(r.refused, ids.slice(55, 60).map((id) => ({ id, reason: 'no scoring consent for this bank' })));
      const model = await t.client('bankA').request<ModelFile>('GET', `v1/jobs/${jobs[family]}/model`);
      const joined = bankRowsOf(loadJoined([t.files.bank, t.files.platform], 'id'), ids.slice(0, 55)).rows;
      const fitted = loadModel(model);
      const frame = modelFrame(joined, model.features);
      const expected = await fitted.predict(frame);
      const points = fitted.points?.(frame);
      let worst = 0;
      r.scores.forEach((s, i) => {
        worst = Math.max(worst, Math.abs(s.score - expected[i]));
        if (points) worst = Math.max(worst, Math.abs(s.points! - points[i]));
        assert.ok(Math.abs(s.bankPart + s.platformPart - (points ? s.points! : Math.log(s.score / (1 - s.score)))) < 1e-6);
      });
      assert.ok(worst < 1e-9, `largest difference ${worst}`);
      // Text: the released digits on stdout, the refusals and a summary on stderr.
      const text = await runCliAsync(['job', 'score', jobs[family], '--ids', bankFile, '--bank-features', bankFile], as);
      assert.equal(text.code, 0, text.stderr);
      const table = parseCsv(text.stdout, 'stdout');
      assert.deepEqual(table.header, family === 'lr' ? ['id', 'score'] : ['id', 'score', 'points']);
      table.rows.forEach((row, i) => {
        assert.equal(row[1], r.scores[i].score.toFixed(4));
        if (family === 'scorecard') assert.equal(row[2], r.scores[i].points!.toFixed(2));
      });
      assert.match(text.stderr, new RegExp(`refused ${ids[55]}: no scoring consent for this bank`));
      assert.match(text.stderr, /scored 55 applicants with the joint .*: platform part \(9 features\) from the enclave, bank part \(\d features\) added here; refused 5/);
    });
  }

  for (const family of ['lr', 'scorecard'] as const) {
    it(`${family}: the split PMML on the bank's features and the enclave's platform part gives the CLI's full score within 1e-9`, async () => {
      const pmml = join(t.dir, `${family}-bank-part.pmml`);
      const exported = await runCliAsync(['export', jobs[family], '--format', 'pmml', '--split', '--out', pmml], as);
      assert.equal(exported.code, 0, exported.stderr);
      const doc = new PmmlDocument(readFileSync(pmml, 'utf8'));
      assert.ok(doc.inputFields.includes('platform_part'));
      assert.ok(!doc.inputFields.some((f) => SPREAD.includes(f)), 'the bank part names no platform feature');
      const r = JSON.parse((await runCliAsync(['job', 'score', jobs[family], '--ids', bankFile, '--bank-features', bankFile, '--json'], as)).stdout) as JointScores;
      const bank = parseCsv(readFileSync(bankFile, 'utf8'), 'bank');
      const rowOf = new Map(bank.rows.map((row) => [row[0], Object.fromEntries(bank.header.map((h, j) => [h, row[j]]))]));
      let worst = 0;
      for (const s of r.scores) {
        const row = { ...rowOf.get(s.id)!, platform_part: s.platformPart };
        worst = Math.max(worst, family === 'lr' ? Math.abs(doc.probability(row) - s.score) : Math.abs(doc.score(row).points - s.points!));
      }
      assert.ok(worst < 1e-9, `largest difference ${worst}`);
    });
  }

  it('refuses applicants without a bank row locally, without asking the enclave for them', async () => {
    const run = await runCliAsync(['job', 'score', jobs.lr, '--ids', idsFile, '--bank-features', bankFile, '--json'], as);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as JointScores;
    assert.deepEqual(r.refused.filter((x) => x.reason === NO_BANK_ROW).map((x) => x.id), ids.slice(60));
    assert.equal(r.scores.length, 55);
  });

  it('points a joint model without --bank-features at the flag, and names a missing bank column', async () => {
    const plain = await runCliAsync(['job', 'score', jobs.lr, '--ids', idsFile], as);
    assert.equal(plain.code, 3);
    assert.match(plain.stderr, /the model is joint: it also needs the bank's own features \(.*\).*--bank-features/);
    const partial = join(t.dir, 'partial.csv');
    writeFileSync(partial, formatCsv(['id', 'loan_amount_10k'], ids.map((id) => [id, '10'])));
    const missing = await runCliAsync(['job', 'score', jobs.lr, '--ids', idsFile, '--bank-features', partial], as);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /partial\.csv has no column "relationship_months"/);
  });

  it('says an MLP cannot be split, and what to do instead, wherever a split is asked for', async () => {
    const spec = { name: 'joint-mlp', purpose: 'joint scoring', bank: { upload: 'customers', columns: BANK_COLUMNS }, platform: { dataset: 'platform', columns: SPREAD }, label: 'default_12m', model: { family: 'mlp', params: { hidden: [8], maxEpochs: 5 } } };
    const job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    assert.equal(await waitForJob(t, job), 'released');
    const advice = /an MLP model cannot be split into a bank part and a platform part: its score is not a sum of per-feature parts.*joint logistic regression or scorecard.*platform-only model/;
    const api = await t.call('bankA', 'POST', '/v1/score', { body: JSON.stringify({ job, ids, part: 'platform' }), type: 'application/json' });
    assert.equal(api.status, 422);
    assert.equal(api.json().code, 'not_splittable');
    assert.match(api.json().detail, advice);
    const joint = await runCliAsync(['job', 'score', job, '--ids', bankFile, '--bank-features', bankFile], as);
    assert.equal(joint.code, 3);
    assert.match(joint.stderr, advice);
    const whole = await runCliAsync(['job', 'score', job, '--ids', bankFile], as);
    assert.equal(whole.code, 3);
    assert.match(whole.stderr, /the model is joint.*An MLP model cannot be split into a bank part and a platform part.*joint logistic regression or scorecard.*platform-only model/);
    const pmml = await runCliAsync(['export', job, '--format', 'pmml', '--split'], as);
    assert.equal(pmml.code, 3);
    assert.match(pmml.stderr, advice);
  });

  it('keeps the model budget: a third model is refused by id, with the reason', async () => {
    // The two joint models above have used the budget of two models for these applicants.
    const spec = { name: 'joint-lr-3', purpose: 'joint scoring', bank: { upload: 'customers', columns: BANK_COLUMNS }, platform: { dataset: 'platform', columns: SPREAD.slice(0, 8) }, label: 'default_12m', model: { family: 'lr' } };
    const third = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${third}/approve`, { json: {} });
    assert.equal(await waitForJob(t, third), 'released');
    const run = await runCliAsync(['job', 'score', third, '--ids', bankFile, '--bank-features', bankFile, '--json'], as);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as JointScores;
    assert.equal(r.scores.length, 0);
    const budget = r.refused.filter((x) => /^model budget: already scored for this bank by 2 other models/.test(x.reason)).map((x) => x.id);
    assert.deepEqual(budget, ids.slice(0, 55));
  });
});
