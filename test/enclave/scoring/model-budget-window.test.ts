/** The model budget over time, on a real SQLite store: a model charged more than a window ago no longer counts; entries are keyed hashes. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { loadPseudonymizer } from '../../../enclave/audit/pseudonym';
import { budgetCounts, chargeModelBudget } from '../../../enclave/release/model-budget';
import { DEFAULT_SCORING_POLICY } from '../../../enclave/release/scoring-policy';
import { openStore } from '../../../enclave/store/schema';
import { tempDir } from '../../helpers/cli';

const DAY = 86_400_000;

describe('model budget window', () => {
  it('frees a slot once a model is older than the window, and stores no enterprise code', async () => {
    const db = await openStore(join(tempDir(), 'budget.db'));
    try {
      const pseudonym = await loadPseudonymizer(db);
      const policy = { ...DEFAULT_SCORING_POLICY, modelsPerWindow: 2, windowDays: 30 };
      const ids = ['91110000600001234X', '91110000600005678Y'];
      const t0 = Date.parse('2026-01-01T00:00:00Z');
      const charge = (model: string, at: number, bank = 'bank-a') => chargeModelBudget(db, pseudonym, policy, { bank, dataset: 'platform', model, ids }, at);
      assert.deepEqual((await charge('job:a', t0)).allowed, ids);
      assert.deepEqual((await charge('job:b', t0 + 10 * DAY)).allowed, ids);
      const third = await charge('job:c', t0 + 20 * DAY);
      assert.deepEqual(third.allowed, []);
      assert.deepEqual(third.refused.map((r) => r.id), ids);
      assert.deepEqual((await charge('job:c', t0 + 20 * DAY, 'bank-b')).allowed, ids, 'another bank has its own budget');
      // 31 days after the first model, its slot is free again; the second still counts.
      assert.deepEqual((await charge('job:c', t0 + 31 * DAY)).allowed, ids);
      assert.deepEqual((await charge('job:d', t0 + 32 * DAY)).allowed, []);
      assert.deepEqual((await charge('job:a', t0 + 45 * DAY)).allowed, ids, 'job:b has left the window: job:a takes a slot again');
      const counts = await budgetCounts(db, policy, 'platform', 'bank-a', t0 + 45 * DAY);
      assert.deepEqual(counts, [{ bank: 'bank-a', models: 2, byModels: [{ models: 2, enterprises: 2 }], atLimit: 2 }]);
      const stored = await db.all<{ enterprise: string }>('SELECT enterprise FROM score_models');
      assert.ok(stored.every((r) => /^ph_[0-9a-f]{20}$/.test(r.enterprise)));
    } finally {
      await db.close();
    }
  });
});
