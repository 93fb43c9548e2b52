/**
 * HE jobs' settings bounded at submission (a 400 with pointers), checked again at use, and shown to
 * the steward as a risk flag that states the protocol, the bounds and what the bank learns.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../../lab/data/csv';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, encodeFrames } from '../../../lab/he/frames';
import { rotationSteps } from '../../../lab/he/params';
import { HE_BOUNDS } from '../../../lab/spec/he-spec';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';

describe('HE job settings', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  const spec = (extra: object = {}, params?: object) => ({
    name: 'he-bounds',
    purpose: 'test',
    mode: 'he-train',
    bank: { upload: 'ids' },
    platform: { dataset: 'platform', columns: ['years_established', 'court_cases_3y'] },
    model: { family: 'lr', ...(params ? { params } : {}) },
    ...extra,
  });
  const submit = (body: object) => t.call('bankA', 'POST', '/v1/jobs', { body: JSON.stringify(body), type: 'application/json' });

  before(async () => {
    t = await startTestEnclave({ enterprises: 1500, bankCustomers: 800 });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    const ids = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows.map((r) => r[0]);
    await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${ids.join('\n')}\n`, query: { name: 'ids' } });
  });
  after(() => t.enclave.close());

  it('refuses l2 = 1e9 and every other out-of-range setting at submission with 400 and a pointer', async () => {
    const cases: [object, string][] = [
      [spec({}, { l2: 1e9 }), '/model/params/l2'],
      [spec({}, { l2: 0 }), '/model/params/l2'],
      [spec({}, { maxIterations: 5 }), '/model/params/maxIterations'],
      [spec({ he: { rounds: 1000 } }), '/he/rounds'],
      [spec({ he: { epsilon: 1e6 } }), '/he/epsilon'],
      [spec({ he: { paramSet: 'n4096' } }), '/he/paramSet'],
      [{ ...spec({ he: { rounds: 5 } }), mode: 'plaintext', label: 'default_12m' }, '/he'],
    ];
    for (const [body, pointer] of cases) {
      const r = await submit(body);
      assert.ok(r.status === 400 || r.status === 422, r.text);
      if (pointer !== '/he') assert.equal(r.status, 400, r.text);
      assert.ok((r.json().problems as { pointer: string }[]).some((p) => p.pointer === pointer), `${pointer}: ${r.text}`);
    }
    const { jobs } = await t.client('steward').request<{ jobs: { id: string }[] }>('GET', 'v1/jobs');
    assert.equal(jobs.length, 0, 'a refused spec was stored');
  });

  it("stores the resolved settings, charges the rounds' epsilon and flags the protocol with its bounds", async () => {
    const before = await t.client('bankA').request<{ spent: number }>('GET', 'v1/privacy/budget');
    const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec({ he: { rounds: 4, epsilon: 1.5 } }, { l2: 2 }) });
    const after = await t.client('bankA').request<{ spent: number }>('GET', 'v1/privacy/budget');
    assert.equal(after.spent - before.spent, 1.5);
    const view = await t.client('steward').request<{ flags: { code: string; message: string }[] }>('GET', `v1/jobs/${id}`);
    const flag = view.flags.find((f) => f.code === 'he_protocol');
    assert.ok(flag, JSON.stringify(view.flags));
    for (const part of ['l2 2', `${HE_BOUNDS.l2.min} to ${HE_BOUNDS.l2.max}`, 'at most 4 decrypted', 'epsilon 1.5', 'not a row']) assert.ok(flag.message.includes(part), `${part}: ${flag.message}`);

    // At use: the session allows the job's 4 rounds (under the enclave's cap of 30), and a stored spec edited past its bound is refused.
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    const crypto = await BankCrypto.create('n16384', rotationSteps('n16384'));
    try {
      const open = await t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job: id, paramSet: 'n16384' }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });
      assert.equal(open.status, 201, open.text);
      assert.equal(open.json().maxRounds, 4);
      assert.equal(open.json().training.l2, 2);
      const stored = await t.enclave.db.get<{ spec: string }>('SELECT spec FROM jobs WHERE id = ?', [id]);
      const tampered = JSON.parse(stored!.spec);
      tampered.model.params.l2 = 1e9;
      await t.enclave.db.run('UPDATE jobs SET spec = ? WHERE id = ?', [JSON.stringify(tampered), id]);
      const info = await t.call('bankA', 'GET', `/v1/he/sessions/${open.json().id}`);
      assert.equal(info.status, 400, info.text);
      assert.equal(info.json().code, 'schema_violation');
    } finally {
      crypto.dispose();
    }
  });

  it('refuses a session whose parameter set is not the one the job was approved for', async () => {
    const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: { ...spec({ he: { paramSet: 'n16384' } }), name: 'he-set' } });
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    const crypto = await BankCrypto.create('n8192', rotationSteps('n8192'));
    try {
      const open = await t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job: id, paramSet: 'n8192' }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });
      assert.equal(open.status, 400, open.text);
      assert.equal(open.json().code, 'param_set_mismatch');
    } finally {
      crypto.dispose();
    }
  });
});
