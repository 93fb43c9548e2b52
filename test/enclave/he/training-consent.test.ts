/**
 * The dataset's training-consent policy applies to encrypted-label training as it does to plaintext
 * training: rows without this bank's valid training consent are zero rows of the session's design
 * (out of X^T y, H and g), and a bank without consents cannot train.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../../lab/data/csv';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, encodeFrames } from '../../../lab/he/frames';
import { rotationSteps } from '../../../lab/he/params';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';
import { trainingDesign } from '../../../enclave/he/design';

describe('HE training under the training-consent policy', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let crypto: BankCrypto;
  const feature = 'years_established';

  before(async () => {
    t = await startTestEnclave({ enterprises: 2000, bankCustomers: 1200 });
    crypto = await BankCrypto.create('n16384', rotationSteps('n16384'));
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    await t.client('steward').request('POST', 'v1/consents', { csv: csvOf(t.files.consent) });
    await t.client('steward').request('PUT', 'v1/datasets/platform/policy', { json: { requireTrainingConsent: true } });
    const ids = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows.map((r) => r[0]);
    for (const who of ['bankA', 'bankB'] as const) await t.client(who).request('POST', 'v1/uploads', { csv: `id\n${ids.join('\n')}\n`, query: { name: 'ids' } });
  });
  after(async () => {
    crypto.dispose();
    await t.enclave.close();
  });

  async function openSession(who: 'bankA' | 'bankB') {
    const spec = { name: 'he-consent', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: [feature] }, model: { family: 'lr' } };
    const { id } = await t.client(who).request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    return t.call(who, 'POST', '/v1/he/sessions', { body: encodeFrames({ job: id, paramSet: 'n16384' }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });
  }

  it('fits the design on consented rows only', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const consented = new Set(
      parseCsv(readFileSync(t.files.consent, 'utf8'), 'c')
        .rows.filter((r) => r[1] === 'bank-a' && r[2] === 'training' && r[3] <= today && today < r[4])
        .map((r) => r[0]),
    );
    const platform = parseCsv(readFileSync(t.files.platform, 'utf8'), 'p');
    const at = platform.header.indexOf(feature);
    const value = new Map(platform.rows.map((r) => [r[0], r[at]]));
    const customers = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows.map((r) => r[0]);
    const matched = customers.filter((id) => value.has(id));
    const allowed = matched.filter((id) => consented.has(id));
    assert.ok(allowed.length < matched.length && allowed.length > 100);

    const open = await openSession('bankA');
    assert.equal(open.status, 201, open.text);
    // The labels still go in upload order, one slot per uploaded row: the bank learns nothing of who consented.
    assert.equal(open.json().training.uploadRows, customers.length);
    // The session's design, as the enclave builds it for the rounds: consented matched rows only, the others zero rows.
    const stored = await t.enclave.db.get<{ spec: string }>('SELECT spec FROM jobs WHERE id = ?', [open.json().job]);
    const design = await trainingDesign(t.enclave.db, JSON.parse(stored!.spec), 'bank-a');
    assert.equal(design.matchedRows, allowed.length);
    const zeroRow = (i: number) => design.aligned.every((c) => c[i] === 0);
    customers.forEach((id, i) => assert.equal(zeroRow(i), !allowed.includes(id), `upload row ${i}`));
  });

  it('refuses to train for a bank that holds no training consents', async () => {
    const open = await openSession('bankB');
    assert.equal(open.status, 422, open.text);
    assert.equal(open.json().code, 'too_few_rows');
  });
});
