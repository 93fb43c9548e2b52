/**
 * Joint scores in one request (POST /v1/jobs/{id}/applicants, what the console uses): the bank's own
 * features of its applicants in as CSV, full scores out that equal the released model on the joined
 * rows (score noise off), with the same refusals as the platform part and nothing of the file kept.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { modelFrame } from '../../../lab/data/model-frame';
import { bankRowsOf } from '../../../lab/client/joint-score';
import { loadJoined } from '../../../lab/train';
import { loadModel } from '../../../models';
import { ModelFile } from '../../../models/model';
import { TestEnclave, grantScoring, importPlainData, startTestEnclave, waitForJob } from '../../helpers/enclave';
import { BANK_COLUMNS, SPREAD } from './features';

describe('joint scores of applicants in one request', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let job: string;
  let csv: string;
  let asked: string[];

  before(async () => {
    t = await startTestEnclave({ scoringDigits: 12 });
    await importPlainData(t);
    await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0, noiseSd: 0 } });
    const spec = { name: 'joint-scorecard', purpose: 'applicants', bank: { upload: 'customers', columns: BANK_COLUMNS }, platform: { dataset: 'platform', columns: SPREAD }, label: 'default_12m', model: { family: 'scorecard' } };
    ({ id: job } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec }));
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    assert.equal(await waitForJob(t, job), 'released');
    // 60 applicants from the bank's file, only its own columns; the last 10 have no scoring consent.
    const table = parseCsv(readFileSync(t.files.bank, 'utf8'), 'bank');
    const keep = ['id', ...BANK_COLUMNS].map((c) => table.header.indexOf(c));
    const rows = table.rows.slice(0, 60).map((r) => keep.map((j) => r[j]));
    asked = rows.map((r) => r[0]);
    csv = formatCsv(['id', ...BANK_COLUMNS], rows);
    await grantScoring(t, asked.slice(0, 50));
  });
  after(() => t?.enclave.close());

  const send = (body: string, who: 'bankA' | 'bankB' = 'bankA', query = '') => t.call(who, 'POST', `/v1/jobs/${job}/applicants${query}`, { body, type: 'text/csv' });

  it('gives full scores equal to the released model on the joined rows within 1e-9, refusing the rest by id', async () => {
    const r = await send(csv);
    assert.equal(r.status, 200, r.text);
    const answer = r.json() as { scores: { id: string; score: number; points: number; bankPart: number; platformPart: number }[]; refused: { id: string; reason: string }[] };
    assert.deepEqual(answer.scores.map((s) => s.id), asked.slice(0, 50));
    assert.deepEqual(answer.refused, asked.slice(50).map((id) => ({ id, reason: 'no scoring consent for this bank' })));
    const model = await t.client('bankA').request<ModelFile>('GET', `v1/jobs/${job}/model`);
    const joined = bankRowsOf(loadJoined([t.files.bank, t.files.platform], 'id'), asked.slice(0, 50)).rows;
    const frame = modelFrame(joined, model.features);
    const points = loadModel(model).points!(frame);
    const probability = await loadModel(model).predict(frame);
    answer.scores.forEach((s, i) => {
      assert.ok(Math.abs(s.points - points[i]) < 1e-9, `${s.id}: ${s.points} vs ${points[i]}`);
      assert.ok(Math.abs(s.score - probability[i]) < 1e-9);
      assert.ok(Math.abs(s.bankPart + s.platformPart - s.points) < 1e-9);
    });
  });

  it('refuses a file without a bank feature, another bank, and a body that is not CSV, with clear errors', async () => {
    const short = formatCsv(['id', 'loan_amount_10k'], [[asked[0], '12']]);
    const missing = await send(short);
    assert.equal(missing.status, 400);
    assert.equal(missing.json().code, 'unknown_column');
    assert.match(missing.json().detail, /the model's bank features are/);
    assert.equal((await send(csv, 'bankB')).status, 404);
    assert.equal((await t.call('bankA', 'POST', `/v1/jobs/${job}/applicants`, { body: '{"ids": []}', type: 'application/json' })).status, 415);
    const noId = await send(csv, 'bankA', '?idColumn=customer');
    assert.equal(noId.status, 422, noId.text);
    assert.match(noId.json().detail, /no id column "customer"/);
  });

  it('scores a file of one applicant', async () => {
    const one = formatCsv(['id', ...BANK_COLUMNS], [parseCsv(csv, 'x').rows[0]]);
    const r = await send(one);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().scores.length, 1);
  });
});
