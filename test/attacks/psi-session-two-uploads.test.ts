/**
 * Attack test: one matched PSI session binds one upload. A bank sends two uploads bound to the same
 * session at the same moment (different labels on the same intersection), to get a second labelled
 * population into the enclave without a second session, its budget or its audit.
 */
import { strict as assert } from 'node:assert';
import { alignIds } from '../../lab/client/psi-align';
import { BlindPool } from '../../lab/psi/blind-pool';
import { TestEnclave, startTestEnclave } from '../helpers/enclave';

const code = (i: number) => `91330106${String(i).padStart(10, '0')}`;

describe('attack: two uploads bound to one matched PSI session at once', () => {
  let t: TestEnclave;
  const pool = new BlindPool(1);

  before(async () => {
    t = await startTestEnclave({ enterprises: 200, bankCustomers: 100, requirePsi: true });
    const ids = Array.from({ length: 1000 }, (_, i) => code(i));
    await t.client('steward').request('POST', 'v1/datasets', { csv: Buffer.from(`id,x\n${ids.map((id, i) => `${id},${i % 5}`).join('\n')}\n`), query: { name: 'platform', idColumn: 'id' } });
  });
  after(async () => {
    await pool.close();
    await t.enclave.close();
  });

  it('binds one of them; the other is refused and stores nothing', async () => {
    const bank = t.client('bankA');
    const aligned = await alignIds(bank, { dataset: 'platform', ids: Array.from({ length: 600 }, (_, i) => code(i + 500)), pool });
    assert.equal(aligned.matched.length, 500);
    const csv = (flip: number) => Buffer.from(`id,label\n${aligned.matched.map((id, i) => `${id},${(i + flip) % 2}`).join('\n')}\n`);
    // A bound upload that fails (a row outside the intersection) leaves the session free for a corrected one.
    await assert.rejects(bank.request('POST', 'v1/uploads', { csv: Buffer.from(`id,label\n${code(5)},1\n`), query: { name: 'wrong', idColumn: 'id', psiSession: aligned.session.id } }), (e: { code?: string }) => e.code === 'psi_mismatch');
    const results = await Promise.allSettled([0, 1].map((flip) => bank.request<{ id: string }>('POST', 'v1/uploads', { csv: csv(flip), query: { name: `labels-${flip}`, idColumn: 'id', psiSession: aligned.session.id } })));
    const stored = (await bank.request<{ uploads: { id: string }[] }>('GET', 'v1/uploads')).uploads;
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one upload per matched session');
    assert.equal(stored.length, 1, `${stored.length} uploads hold the one session's intersection`);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.match(String((refused.reason as { code?: string }).code), /^psi_/);
  });
});
