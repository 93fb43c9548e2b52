/**
 * Red-team (review5), through the HTTP API with real ciphertexts: the flood report in a private
 * scoring answer's header (`flood.bits`, full precision) is log2(valueStd / estimate), and the
 * estimate (score-crypto.ts scoreBatch) grows with sqrt(1 + sum over terms of the largest |basis
 * value| in the batch). A bank that asks for one enterprise at a time, with a model of one "z" term,
 * inverts the report into |z| of that enterprise's platform value, exactly, in the clear, whatever
 * its encrypted coefficients. The control holds when that reconstruction is no better than half the
 * column's standard deviation (it FAILS while the report carries the estimate).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { noiseEstimate } from '../../../enclave/he/enclave-crypto';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, decodeFrames, encodeFrames } from '../../../lab/he/frames';
import { parseCsv } from '../../../lab/data/csv';
import { PARAM_SETS } from '../../../lab/he/params';
import type { ScoresHeader, SessionInfo } from '../../../lab/api/he-sessions';
import { TestEnclave, consentedIds, csvOf, startTestEnclave } from '../../helpers/enclave';

describe('red team: the flood report of a private-scoring answer (scoring-session.ts, score-crypto.ts)', function () {
  this.timeout(300_000);
  const paramSet = 'n16384' as const;
  const feature = 'years_established';
  let t: TestEnclave;
  let crypto: BankCrypto;
  let consented: string[];
  let truth: Map<string, number>;

  before(async () => {
    t = await startTestEnclave({ enterprises: 1500, bankCustomers: 800 });
    crypto = await BankCrypto.create(paramSet, []);
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    await t.client('steward').request('POST', 'v1/consents', { csv: csvOf(t.files.consent) });
    consented = consentedIds(t.files.consent, 'scoring').slice(0, 30);
    const platform = parseCsv(readFileSync(t.files.platform, 'utf8'), 'p');
    const at = platform.header.indexOf(feature);
    truth = new Map(platform.rows.map((r) => [r[0], Number(r[at])]));
  });
  after(async () => {
    crypto.dispose();
    await t.enclave.close();
  });

  for (const [what, policy] of [
    ['the cell noise off', { noiseSwap: 0, noiseSd: 0 }],
    ['the default scoring policy', { noiseSwap: 0.25, noiseSd: 0 }],
  ] as const) {
  it(`a one-enterprise request does not give away |z| of its value through flood.bits (${what})`, async () => {
    await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: policy });
    const { id: job } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: { name: 'he-flood-report', purpose: 'test', mode: 'he-score', platform: { dataset: 'platform', columns: [feature] }, model: { family: 'lr' } } });
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    const open = await t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });
    assert.equal(open.status, 201, open.text);
    const session = open.json().id as string;
    const model = encodeFrames({ terms: [{ feature, kind: 'z' }] }, [crypto.encryptReplicated(0.5), crypto.encryptReplicated(-1)]);
    assert.equal((await t.call('bankA', 'POST', `/v1/he/sessions/${session}/model`, { body: model, type: FRAME_TYPE })).status, 200);
    const stats = (await t.client('bankA').request<SessionInfo>('GET', `v1/he/sessions/${session}`)).scoring!.numeric[feature];

    // estimate = a L + b with L = sqrt(1 + z^2), plus the rescale's rounding at the answer's scale (read from the answer's header).
    const a = noiseEstimate(paramSet, { freshL2: 2, rows: 0, weightL1: 1, inputL1: 0 }) - noiseEstimate(paramSet, { freshL2: 1, rows: 0, weightL1: 1, inputL1: 0 });
    const b = noiseEstimate(paramSet, { freshL2: 1, rows: 0, weightL1: 1, inputL1: 0 }) - a;
    const errors: number[] = [];
    let refused = 0;
    for (const id of consented) {
      const res = await t.call('bankA', 'POST', `/v1/he/sessions/${session}/score`, { body: JSON.stringify({ ids: [id] }), type: 'application/json' });
      if (res.status !== 200) {
        refused++;
        continue;
      }
      const answer = decodeFrames<ScoresHeader>(await t.client('bankA').send('POST', `v1/he/sessions/${session}/score`, { json: { ids: [id] } }));
      if (!answer.header.flood || !answer.header.ids.length) {
        refused++;
        continue;
      }
      const scale = new DataView(answer.blobs[0].buffer, answer.blobs[0].byteOffset).getFloat64(16 + 32 + 1 + 24, true);
      const rescale = Math.sqrt(PARAM_SETS[paramSet].polyModulusDegree) / scale;
      const estimate = answer.header.flood.valueStd / 2 ** answer.header.flood.bits;
      const l = (estimate - rescale - b) / a;
      const z = Math.sqrt(Math.max(0, l * l - 1));
      const actual = Math.abs((truth.get(id)! - stats.mean) / stats.sd);
      if (Number.isFinite(actual)) errors.push(Math.abs(z - actual));
    }
    const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / Math.max(1, errors.length));
    const exact = errors.filter((e) => e < 1e-6).length;
    console.log(`      ${what}: ${errors.length} enterprises read, ${refused} refused: |z| recovered with rms error ${rms.toExponential(2)} sd; ${exact} within 1e-6 sd`);
    assert.ok(errors.length === 0 || (rms >= 0.5 && exact === 0), `|z| of ${feature} read from flood.bits with rms error ${rms.toExponential(2)} column sds (${exact} of ${errors.length} within 1e-6)`);
  });
  }
});
