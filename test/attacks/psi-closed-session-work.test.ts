/**
 * Attack test: a bank opens a PSI session that takes the dataset's set still being blinded ahead, then
 * closes it at once. The taking moved the set's remaining pieces to session priority; the session is
 * gone, yet the enclave went on blinding them ahead of every other bank's session work.
 */
import { strict as assert } from 'node:assert';
import type { Principal } from '../../lab/api/principals';
import { BlindPool } from '../../lab/psi/blind-pool';
import { PsiService } from '../../enclave/psi/psi-service';
import { DEFAULT_PSI_LIMITS } from '../../enclave/release/psi-budget';
import { TestEnclave, startTestEnclave } from '../helpers/enclave';

const code = (i: number) => `91330106${String(i).padStart(10, '0')}`;

/** The pieces the pool still has to blind, at each priority (the pool's own queues). */
const waiting = (pool: BlindPool) => (pool as unknown as { waiting: Record<'session' | 'background', unknown[]> }).waiting;

describe('attack: a PSI session opened and closed at once leaves its set blinded at session priority', () => {
  let t: TestEnclave;
  let pool: BlindPool;
  let psi: PsiService;
  const bank: Principal = { id: 'p_attacker', name: 'attacker', role: 'bank', org: 'bankX' };

  before(async () => {
    t = await startTestEnclave({ enterprises: 200, bankCustomers: 100 });
    // 60,000 ids: about 30 pieces of 2,048, seconds of X25519 work on this machine's workers.
    const ids = Array.from({ length: 60_000 }, (_, i) => code(i));
    await t.client('steward').request('POST', 'v1/datasets', { csv: Buffer.from(`id,x\n${ids.map((id, i) => `${id},${i % 5}`).join('\n')}\n`), query: { name: 'big', idColumn: 'id' } });
    pool = new BlindPool(1);
    psi = new PsiService(t.enclave.db, { ...DEFAULT_PSI_LIMITS, prepareAheadIds: 100_000 }, pool);
  });
  after(async () => {
    await psi.stop();
    await t.enclave.close();
  });

  it('closing the session drops the work of the set it took', async () => {
    void psi.datasetChanged('big');
    const session = await psi.open(bank, { dataset: 'big', points: 1 });
    const queued = waiting(pool).session.length;
    assert.ok(queued > 5, `the session took the set being made and promoted its pieces (${queued} waiting)`);
    await psi.close(session.id, bank);
    // Nothing of the closed session's set may stay queued ahead of other banks' sessions.
    assert.equal(waiting(pool).session.length, 0, `${waiting(pool).session.length} pieces of a closed session's set still wait at session priority`);
    // The dataset's next set is still made (after the cancelled one), and the next session finds it whole.
    await psi.datasetChanged('big');
    const next = await psi.open(bank, { dataset: 'big', points: 1 });
    assert.equal(waiting(pool).session.length + waiting(pool).background.length, 0, 'the next session took a finished set');
    await psi.close(next.id, bank);
  });
});
