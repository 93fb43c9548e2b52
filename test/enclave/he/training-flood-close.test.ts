/**
 * The floods made ahead for encrypted-label rounds (training-session.ts), found by a review: a
 * session closed while one of its rounds is in a SEAL worker must get no new floods queued when that
 * round returns (onSessionClosed dropped its queue already, and nothing would drop them again: two
 * rounds' encryptions of zero, about 4.6 MB at n16384, kept for good). The round here is held until
 * the close is done (the real round, delayed).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../../lab/data/csv';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, encodeFrames } from '../../../lab/he/frames';
import { rotationSteps, slotsOf } from '../../../lab/he/params';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pool = require('../../../enclave/he/seal-pool') as Record<string, (...args: unknown[]) => Promise<unknown>>;

describe('floods made ahead for a session closed mid-round (enclave/he/training-session.ts)', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let crypto: BankCrypto;
  const realRound = pool.newtonRound;
  const realFloods = pool.floodZeros;
  after(async () => {
    pool.newtonRound = realRound;
    pool.floodZeros = realFloods;
    crypto?.dispose();
    await t?.enclave.close();
  });

  it('queues no flood for a session that is closed', async () => {
    t = await startTestEnclave({ enterprises: 2000, bankCustomers: 1200 });
    crypto = await BankCrypto.create('n16384', rotationSteps('n16384'), { relinKeys: true });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    const bank = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b');
    const labels = bank.rows.map((r) => Number(r[bank.header.indexOf('default_12m')]));
    await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${bank.rows.map((r) => r[0]).join('\n')}\n`, query: { name: 'ids' } });
    const spec = { name: 'he-close', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: ['years_established', 'court_cases_3y'] }, model: { family: 'lr' }, he: { rounds: 4 } };
    const job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    const opened = await t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet: 'n16384' }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });
    assert.equal(opened.status, 201, opened.text);
    const session = opened.json() as { id: string; training: { design: string[] } };
    const blocks: Uint8Array[] = [];
    for (let start = 0; start < labels.length; start += slotsOf('n16384')) blocks.push(crypto.encrypt(labels.slice(start, start + slotsOf('n16384'))));
    const sent = await t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/labels`, { body: encodeFrames({ relinKeys: true }, [crypto.relinKeyBytes, ...blocks]), type: FRAME_TYPE });
    assert.equal(sent.status, 200, sent.text);

    // The round is computed by the real SEAL worker, and handed back only once the session is closed.
    let closed = false;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    pool.newtonRound = async (...args: unknown[]) => {
      const answer = await realRound(...args);
      await held;
      return answer;
    };
    let floodsAfterClose = 0;
    pool.floodZeros = (...args: unknown[]) => {
      if (closed) floodsAfterClose++;
      return realFloods(...args);
    };
    const weights = new Array(session.training.design.length).fill(0);
    const round = t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/rounds`, { body: JSON.stringify({ weights }), type: 'application/json' });
    await new Promise((r) => setTimeout(r, 300));
    const close = await t.call('bankA', 'DELETE', `/v1/he/sessions/${session.id}`);
    assert.ok(close.status < 300, close.text);
    closed = true;
    release();
    await round;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(floodsAfterClose, 0, `${floodsAfterClose} floods made ahead for a closed session, queued where nothing will drop them`);
  });
});
