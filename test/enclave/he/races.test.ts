/**
 * Concurrent requests on one HE session get what sequential ones would: one session per job, one
 * Enc(X^T y) per session, and never more decrypted rounds than the noise was composed over.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../../lab/data/csv';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, encodeFrames } from '../../../lab/he/frames';
import { rotationSteps, slotsOf } from '../../../lab/he/params';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';

describe('HE sessions under concurrent requests', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let crypto: BankCrypto;
  let labels: number[];
  let job: string;

  before(async () => {
    t = await startTestEnclave({ enterprises: 2000, bankCustomers: 1200 });
    crypto = await BankCrypto.create('n16384', rotationSteps('n16384'), { relinKeys: true });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    const bank = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b');
    const at = bank.header.indexOf('default_12m');
    labels = bank.rows.map((r) => Number(r[at]));
    await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${bank.rows.map((r) => r[0]).join('\n')}\n`, query: { name: 'ids' } });
    const spec = { name: 'he-races', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: ['years_established', 'court_cases_3y'] }, model: { family: 'lr' }, he: { rounds: 3 } };
    job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
  });
  after(async () => {
    crypto.dispose();
    await t.enclave.close();
  });

  const open = () => t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet: 'n16384' }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });

  it('opens one session when four are asked for at once; the others get 409, not a session without keys', async () => {
    const answers = await Promise.all([open(), open(), open(), open()]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409], answers.map((a) => a.text).join('\n'));
    const session = answers.find((a) => a.status === 201)!.json() as { id: string; training: { design: string[] } };
    const stored = await t.enclave.db.all('SELECT id FROM he_sessions WHERE job = ?', [job]);
    assert.equal(stored.length, 1);

    // Labels sent three times at once: one computation, the others refused as already sent.
    const blocks: Uint8Array[] = [];
    for (let start = 0; start < labels.length; start += slotsOf('n16384')) blocks.push(crypto.encrypt(labels.slice(start, start + slotsOf('n16384'))));
    const body = encodeFrames({ relinKeys: true }, [crypto.relinKeyBytes, ...blocks]);
    const sent = await Promise.all([0, 1, 2].map(() => t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/labels`, { body, type: FRAME_TYPE })));
    assert.deepEqual(sent.map((a) => a.status).sort(), [200, 409, 409], sent.map((a) => a.text).join('\n'));
    for (const a of sent.filter((x) => x.status === 409)) assert.equal(a.json().code, 'labels_exist');

    // Eight rounds at once on a session allowed three: three answers, five refusals, and the count says three.
    const weights = new Array(session.training.design.length).fill(0);
    const rounds = await Promise.all(Array.from({ length: 8 }, () => t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/rounds`, { body: JSON.stringify({ weights }), type: 'application/json' })));
    assert.equal(rounds.filter((a) => a.status === 200).length, 3, rounds.map((a) => `${a.status}`).join(' '));
    for (const a of rounds.filter((x) => x.status !== 200)) assert.equal(a.json().code, 'round_limit');
    const info = await t.client('bankA').request<{ rounds: number }>('GET', `v1/he/sessions/${session.id}`);
    assert.equal(info.rounds, 3);
  });
});
