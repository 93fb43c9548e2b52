/**
 * `jointlab he score --model FILE --bank-features FILE` against a real enclave: for a joint logistic
 * regression and scorecard, only the platform terms go out encrypted, the decrypted platform part plus
 * the bank part computed locally gives the model's score on the joined rows within 1e-4 (score noise
 * off); applicants without consent or without a bank row are refused by id.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_BANK_ROW, bankRowsOf } from '../../lab/client/joint-score';
import { formatCsv, parseCsv } from '../../lab/data/csv';
import { modelFrame } from '../../lab/data/model-frame';
import { loadJoined, train } from '../../lab/train';
import { loadModel } from '../../models';
import { BANK_COLUMNS } from '../enclave/scoring/features';
import { runCliAsync } from '../helpers/cli';
import { TestEnclave, grantScoring, importPlainData, startTestEnclave } from '../helpers/enclave';

const PLATFORM = ['tax_grade', 'vat_paid_12m_10k', 'electricity_yoy', 'court_cases_3y', 'enforcement_records', 'years_established', 'utility_arrears_months'];

interface HeJointAnswer {
  part: string;
  bankFeatures: string[];
  platformFeatures: string[];
  scores: { id: string; score: number; points?: number; bankPart: number; platformPart: number }[];
  refused: { id: string; reason: string }[];
}

describe('he score with --bank-features (joint models under encryption)', function () {
  this.timeout(600_000);
  let t: TestEnclave;
  let bankFile: string;
  let idsFile: string;
  let ids: string[];

  before(async () => {
    t = await startTestEnclave();
    await importPlainData(t);
    await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0, noiseSd: 0, modelsPerWindow: 100 } });
    const bank = parseCsv(readFileSync(t.files.bank, 'utf8'), 'bank');
    // 50 applicants with a bank row (the first 45 consented), then 3 consented ones the bank file lacks.
    const rows = bank.rows.slice(0, 50);
    ids = [...rows.map((r) => r[0]), ...bank.rows.slice(100, 103).map((r) => r[0])];
    bankFile = join(t.dir, 'applicants.csv');
    writeFileSync(bankFile, formatCsv(bank.header, rows));
    idsFile = join(t.dir, 'ids.csv');
    writeFileSync(idsFile, formatCsv(['id'], ids.map((id) => [id])));
    await grantScoring(t, [...ids.slice(0, 45), ...ids.slice(50)]);
  });
  after(() => t.enclave.close());

  for (const family of ['lr', 'scorecard'] as const) {
    it(`${family}: decrypted platform part + local bank part = the model on the joined rows within 1e-4`, async () => {
      const fitted = await train({ data: [t.files.bank, t.files.platform], id: 'id', label: 'default_12m', model: family, features: [...BANK_COLUMNS, ...PLATFORM], testFraction: 0.3, seed: 3 });
      const model = fitted.fitted.toJSON();
      const modelFile = join(t.dir, `joint-${family}.json`);
      writeFileSync(modelFile, JSON.stringify(model));
      const spec = { name: `he-joint-${family}`, purpose: 'test', mode: 'he-score', platform: { dataset: 'platform', columns: PLATFORM }, model: { family } };
      const { id: job } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
      await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
      const run = await runCliAsync(['he', 'score', '--job', job, '--model', modelFile, '--ids', idsFile, '--bank-features', bankFile, '--json'], { env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankA } });
      assert.equal(run.code, 0, run.stderr);
      const r = JSON.parse(run.stdout) as HeJointAnswer;
      assert.deepEqual(r.platformFeatures, PLATFORM);
      assert.deepEqual(r.bankFeatures, BANK_COLUMNS.filter((c) => model.features.some((f) => f.name === c)));
      assert.deepEqual(r.scores.map((s) => s.id), ids.slice(0, 45));
      assert.deepEqual(r.refused, [
        ...ids.slice(50).map((id) => ({ id, reason: NO_BANK_ROW })),
        ...ids.slice(45, 50).map((id) => ({ id, reason: 'no scoring consent for this bank' })),
      ]);
      const joined = bankRowsOf(loadJoined([t.files.bank, t.files.platform], 'id'), ids.slice(0, 45)).rows;
      const frame = modelFrame(joined, model.features);
      const expected = await loadModel(model).predict(frame);
      const worst = Math.max(...r.scores.map((s, i) => Math.abs(s.score - expected[i])));
      assert.ok(worst < 1e-4, `largest score gap ${worst}`);
      if (family === 'scorecard') {
        const points = loadModel(model).points!(frame);
        assert.ok(Math.max(...r.scores.map((s, i) => Math.abs(s.points! - points[i]))) < 1e-3);
      }
    });
  }
});
