/** Plaintext scoring with a released model: consent per enterprise, revocation and expiry on the next request, rounding, extraction limits. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addPrincipal } from '../../../enclave/auth/principals';
import { startEnclave } from '../../../enclave/service';
import { EnclaveClient } from '../../../lab/client/enclave-client';
import { frameOf } from '../../../lab/data/columns';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { loadJoined } from '../../../lab/train';
import { loadModel } from '../../../models';
import { ModelFile } from '../../../models/model';
import { tempDir } from '../../helpers/cli';
import { SPREAD } from './features';
import { TestEnclave, csvOf, startTestEnclave, importPlainData, day, releasedPlatformScorecard } from '../../helpers/enclave';

// No one of these carries half of the models' scores: they pass the scoring rule (enclave/release/scoring-rule.ts).
const FEATURES = SPREAD;

describe('scoring with released models', function () {
  this.timeout(120_000);
  let t: TestEnclave;
  let job: string;
  let ids: string[];

  before(async () => {
    t = await startTestEnclave();
    await importPlainData(t);
    // These tests compare scores with the released model's own: no score noise (test/enclave/scoring/score-noise.test.ts has it on).
    await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0, noiseSd: 0 } });
    job = await releasedPlatformScorecard(t, 'platform-only', FEATURES);
    ids = parseCsv(readFileSync(t.files.platform, 'utf8'), 'p').rows.slice(0, 6).map((r) => r[0]);
    // Consents valid now for the first four (scoring), a training-only one for the fifth, nothing for the sixth.
    const rows = [...ids.slice(0, 4).map((id) => [id, 'bank-a', 'scoring', day(-30), day(300)]), [ids[4], 'bank-a', 'training', day(-30), day(300)]];
    await t.client('steward').request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], rows) });
  });
  after(() => t.enclave.close());

  const score = (who: 'bankA' | 'bankB' = 'bankA', list = ids) => t.client(who).request<{ scores: { id: string; score: number; points: number }[]; refused: { id: string; reason: string }[] }>('POST', 'v1/score', { json: { job, ids: list } });

  it('scores only enterprises with a scoring consent, refuses the others by id with the reason, and rounds', async () => {
    const r = await score();
    assert.deepEqual(r.scores.map((s) => s.id), ids.slice(0, 4));
    assert.deepEqual(r.refused, [
      { id: ids[4], reason: 'no scoring consent for this bank' },
      { id: ids[5], reason: 'no scoring consent for this bank' },
    ]);
    for (const s of r.scores) {
      assert.ok(s.score > 0 && s.score < 1);
      assert.equal(s.score, Number(s.score.toFixed(4)), 'scores are rounded to 4 places');
      assert.ok(s.points > 300 && s.points < 900);
    }
  });

  it('scores 1,200 enterprises in one request as the released model does on their platform rows', async () => {
    const platformIds = parseCsv(readFileSync(t.files.platform, 'utf8'), 'p').rows.map((r) => r[0]);
    const many = platformIds.slice(100, 1300);
    const absent = '91330000MA0000000X';
    const rows = [...many, absent].map((id) => [id, 'bank-a', 'scoring', day(-30), day(300)]);
    await t.client('steward').request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], rows) });
    const r = await score('bankA', [...many, absent]);
    assert.deepEqual(r.refused, [{ id: absent, reason: 'no platform record' }]);
    assert.deepEqual(r.scores.map((x) => x.id), many);
    // The same model, loaded here, on the same rows read from the CSV file.
    const released = await t.client('bankA').request<{ released: { parameters: { model: ModelFile } } }>('GET', `v1/jobs/${job}/results`);
    const model = loadModel(released.released.parameters.model);
    const joined = loadJoined([t.files.platform], 'id');
    const frame = frameOf(joined, FEATURES, new Set(model.features.filter((f) => f.kind === 'categorical').map((f) => f.name)));
    const expected = await model.predict(frame);
    const at = new Map(joined.ids.map((id, i) => [id, i]));
    for (const x of r.scores) assert.equal(x.score, Number(expected[at.get(x.id)!].toFixed(4)), x.id);
  });

  it('takes revocation and expiry into account on the very next request', async () => {
    await t.client('steward').request('POST', 'v1/consents/revoke', { json: { enterprise: ids[0], bank: 'bank-a', purpose: 'scoring' } });
    await t.client('steward').request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], [[ids[1], 'bank-a', 'scoring', day(-30), day(0)]]) });
    const r = await score();
    assert.deepEqual(r.scores.map((s) => s.id), ids.slice(2, 4));
    assert.deepEqual(r.refused.slice(0, 2), [
      { id: ids[0], reason: 'consent revoked' },
      { id: ids[1], reason: 'consent expired' },
    ]);
    const audit = await t.client('steward').request<{ entries: { action: string; object: string }[] }>('GET', 'v1/audit', { query: { limit: 100 } });
    const revoke = audit.entries.find((e) => e.action === 'consent.revoke')!;
    assert.match(revoke.object, /^enterprise:ph_[0-9a-f]{20}$/);
    assert.ok(!JSON.stringify(audit).includes(ids[0]), 'a raw enterprise code reached the audit log');
  });

  it("refuses another bank's job and jobs without a released platform-only model", async () => {
    assert.equal((await t.call('bankB', 'POST', '/v1/score', { body: JSON.stringify({ job, ids }), type: 'application/json' })).status, 404);
    const bad = await t.call('bankA', 'POST', '/v1/score', { body: JSON.stringify({ job: 'j_nope', ids }), type: 'application/json' });
    assert.equal(bad.status, 404);
  });

  it('limits the request rate and the distinct enterprises per day; the same enterprise counts once', async () => {
    const dir = tempDir();
    const enclave = await startEnclave({ db: join(dir, 'e.db'), port: 0, settings: { scoring: { requestsPerMinute: 4, enterprisesPerDay: 3, idsPerRequest: 10, digits: 4 } } });
    try {
      const steward = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 's', role: 'steward', org: 'p' }, 't')).token);
      const bank = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 'b', role: 'bank', org: 'bank-a' }, 't')).token);
      await steward.request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
      await bank.request('POST', 'v1/uploads', { csv: csvOf(t.files.bank), query: { name: 'customers' } });
      const spec = { name: 'p', purpose: 'limits', bank: { upload: 'customers' }, platform: { dataset: 'platform', columns: FEATURES }, label: 'default_12m', model: { family: 'lr' } };
      const limitedJob = (await bank.request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
      await steward.request('POST', `v1/jobs/${limitedJob}/approve`, { json: {} });
      await enclave.runner.drained();
      await steward.request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], ids.map((id) => [id, 'bank-a', 'scoring', day(-1), day(10)])) });
      const ask = (list: string[]) => fetch(`${enclave.url}/v1/score`, { method: 'POST', headers: { authorization: `Bearer ${bank.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ job: limitedJob, ids: list }) });
      assert.equal((await ask(ids.slice(0, 2))).status, 200);
      assert.equal((await ask(ids.slice(0, 2))).status, 200, 'the same two again: still two distinct today');
      const over = await ask(ids.slice(2, 4));
      assert.equal(over.status, 429);
      assert.equal(((await over.json()) as { code: string }).code, 'quota_exceeded');
      assert.equal((await ask(ids.slice(2, 3))).status, 200, 'the third distinct one fits');
      const limited = await ask(ids.slice(0, 1));
      assert.equal(limited.status, 429);
      assert.equal(((await limited.json()) as { code: string }).code, 'rate_limited');
      assert.equal((await ask(Array(11).fill(ids[0]))).status, 400, 'too many ids in one request');
    } finally {
      await enclave.close();
    }
  });
});
