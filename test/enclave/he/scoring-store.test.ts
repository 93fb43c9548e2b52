/**
 * Where a private-scoring session's model is stored: written once, in a row of its own, and never
 * rewritten by the scoring requests that follow (SQLite rewrites a whole row, blobs included, on
 * any update); read back after the in-memory copy is lost; deleted on close; moved there from the
 * session row when an older database is opened.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, decodeFrames, encodeFrames } from '../../../lab/he/frames';
import { forgetSession } from '../../../enclave/he/session-store';
import { openStore, versionBefore } from '../../../enclave/store/schema';
import type { ScoresHeader, SessionInfo } from '../../../lab/api/he-sessions';
import { TestEnclave, consentedIds, csvOf, startTestEnclave } from '../../helpers/enclave';

describe('private scoring: the session model in the store', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let crypto: BankCrypto;
  let consented: string[];
  before(async () => {
    t = await startTestEnclave({ enterprises: 1500, bankCustomers: 800 });
    crypto = await BankCrypto.create('n16384', []);
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0, noiseSd: 0 } });
    await t.client('steward').request('POST', 'v1/consents', { csv: csvOf(t.files.consent) });
    consented = consentedIds(t.files.consent, 'scoring').slice(0, 200);
  });
  after(async () => {
    crypto.dispose();
    await t.enclave.close();
  });

  it('writes the model once, updates only small rows per request, reads the model back after a restart and deletes it on close', async () => {
    const { id: job } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: { name: 'he-store', purpose: 'test', mode: 'he-score', platform: { dataset: 'platform', columns: ['years_established'] }, model: { family: 'lr' } } });
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    const open = await t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet: 'n16384' }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });
    assert.equal(open.status, 201, open.text);
    const session = open.json().id as string;
    const score = async (): Promise<number[]> => {
      const answer = decodeFrames<ScoresHeader>(await t.client('bankA').send('POST', `v1/he/sessions/${session}/score`, { json: { ids: consented } }));
      assert.equal(answer.header.ids.length, consented.length);
      return Array.from(crypto.decrypt(answer.blobs[0]).subarray(0, consented.length));
    };
    const noModel = await t.call('bankA', 'POST', `/v1/he/sessions/${session}/score`, { body: JSON.stringify({ ids: consented }), type: 'application/json' });
    assert.equal(noModel.status, 409);
    assert.equal(noModel.json().code, 'no_model');

    let firstScores: number[] = [];
    const model = encodeFrames({ terms: [{ feature: 'years_established', kind: 'z' }] }, [crypto.encryptReplicated(0.5), crypto.encryptReplicated(-1)]);
    assert.equal((await t.call('bankA', 'POST', `/v1/he/sessions/${session}/model`, { body: model, type: FRAME_TYPE })).status, 200);
    const stored = await t.enclave.db.get<{ n: number; bytes: number }>('SELECT COUNT(*) AS n, SUM(LENGTH(coefficients)) AS bytes FROM he_score_models WHERE session = ?', [session]);
    assert.deepEqual(stored, { n: 1, bytes: model.length });
    assert.equal((await t.enclave.db.get<{ c: number }>('SELECT coefficients IS NOT NULL AS c FROM he_sessions WHERE id = ?', [session]))?.c, 0);

    // Every update of a row that holds keys or ciphertexts during the requests is logged by temporary triggers on this connection.
    await t.enclave.db.exec(`
      CREATE TEMP TABLE blob_updates (what TEXT);
      CREATE TEMP TRIGGER session_updated AFTER UPDATE ON main.he_sessions BEGIN INSERT INTO blob_updates VALUES ('session'); END;
      CREATE TEMP TRIGGER model_updated AFTER UPDATE ON main.he_score_models BEGIN INSERT INTO blob_updates VALUES ('model'); END;
      CREATE TEMP TRIGGER model_replaced AFTER INSERT ON main.he_score_models BEGIN INSERT INTO blob_updates VALUES ('model'); END;
    `);
    try {
      const before = (await t.client('bankA').request<SessionInfo>('GET', `v1/he/sessions/${session}`)).bytes;
      const first = await score();
      firstScores = first;
      for (let i = 0; i < 4; i++) await score();
      const updates = await t.enclave.db.all<{ what: string }>('SELECT what FROM blob_updates');
      assert.deepEqual(updates, [], 'a scoring request rewrote a row holding keys or the model');
      const after = (await t.client('bankA').request<SessionInfo>('GET', `v1/he/sessions/${session}`)).bytes;
      assert.equal(after.in, before.in);
      assert.ok(after.out > before.out, 'the answers were not counted');

      // What a restart loses: the model kept in memory. The next request reads it back from the store.
      forgetSession(session);
      const again = await score();
      assert.ok(Math.max(...first.map((v, i) => Math.abs(v - again[i]))) < 1e-4);
      assert.deepEqual(await t.enclave.db.all('SELECT what FROM blob_updates'), []);
      // The triggers do see an update of the session row.
      await t.enclave.db.run('UPDATE he_sessions SET rounds = rounds WHERE id = ?', [session]);
      assert.deepEqual(await t.enclave.db.all('SELECT what FROM blob_updates'), [{ what: 'session' }]);
    } finally {
      await t.enclave.db.exec('DROP TRIGGER temp.session_updated; DROP TRIGGER temp.model_updated; DROP TRIGGER temp.model_replaced; DROP TABLE temp.blob_updates;');
    }

    // The session keeps each enterprise's basis row once computed; the controls still decide every request.
    await t.client('steward').request('POST', 'v1/consents/revoke', { json: { enterprise: consented[0], bank: 'bank-a', purpose: 'scoring' } });
    const revoked = decodeFrames<ScoresHeader>(await t.client('bankA').send('POST', `v1/he/sessions/${session}/score`, { json: { ids: consented } }));
    assert.deepEqual(revoked.header.refused, [{ id: consented[0], reason: 'consent revoked' }]);
    assert.deepEqual(revoked.header.ids, consented.slice(1));
    const values = Array.from(crypto.decrypt(revoked.blobs[0]).subarray(0, consented.length - 1));
    assert.ok(Math.max(...values.map((v, i) => Math.abs(v - firstScores[i + 1]))) < 1e-4, 'the kept rows moved with the refusal');
    // A consented enterprise the platform does not hold is refused as such, wherever it stands in the request.
    const stranger = '91110000MA00000000';
    await t.client('steward').request('POST', 'v1/consents', { csv: `enterprise_id,bank,purpose,granted,expires\n${stranger},bank-a,scoring,2020-01-01,2099-01-01\n` });
    const withStranger = decodeFrames<ScoresHeader>(await t.client('bankA').send('POST', `v1/he/sessions/${session}/score`, { json: { ids: [consented[1], stranger, ...consented.slice(2)] } }));
    assert.deepEqual(withStranger.header.refused, [{ id: stranger, reason: 'no platform record' }]);
    assert.deepEqual(withStranger.header.ids, consented.slice(1));

    assert.equal((await t.call('bankA', 'DELETE', `/v1/he/sessions/${session}`)).status, 204);
    assert.equal((await t.enclave.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM he_score_models WHERE session = ?', [session]))?.n, 0);
    assert.equal((await t.call('bankA', 'POST', `/v1/he/sessions/${session}/score`, { body: JSON.stringify({ ids: consented }), type: 'application/json' })).status, 409);
  });

  it('moves a model stored on the session row by an older jointlab into its own table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jointlab-he-store-'));
    try {
      const file = join(dir, 'old.db');
      const old = await openStore(file, versionBefore('he_score_models'));
      await old.exec('PRAGMA foreign_keys = OFF');
      await old.run('INSERT INTO he_sessions (id, job, owner, org, param_set, public_key, coefficients, bytes_in, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', ['he_old', 'job_old', 'p', 'bank-a', 'n16384', Buffer.from([1]), Buffer.from([2, 3, 4]), 10, '2026-01-01T00:00:00Z']);
      await old.close();
      const db = await openStore(file);
      try {
        assert.deepEqual(await db.get('SELECT session, coefficients FROM he_score_models'), { session: 'he_old', coefficients: Buffer.from([2, 3, 4]) });
        assert.deepEqual(await db.get('SELECT coefficients FROM he_sessions'), { coefficients: null });
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
