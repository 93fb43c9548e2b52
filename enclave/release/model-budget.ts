/**
 * The per-enterprise model budget: one enterprise may be scored for one bank by at most N distinct
 * models of a dataset within a window, so that a bank cannot send model after model (one per column,
 * or a unit vector each time) and read an enterprise's values off the scores. Charged before anything
 * is computed; enterprises over budget are refused by id. Enterprises are stored as keyed hashes.
 */
import { Pseudonymizer } from '../audit/pseudonym';
import { Db } from '../store/db';
import type { BankBudgetCounts, ScoringPolicy } from '../../lab/api/scoring';

export interface BudgetCharge {
  bank: string;
  dataset: string;
  /** A released job (`job:<id>`) or a private model (`he:<digest of its ciphertexts>`). */
  model: string;
  ids: string[];
}

export interface BudgetOutcome {
  allowed: string[];
  refused: { id: string; reason: string }[];
}

const DAY = 86_400_000;

export function budgetReason(policy: ScoringPolicy): string {
  return `model budget: already scored for this bank by ${policy.modelsPerWindow} other model${policy.modelsPerWindow === 1 ? '' : 's'} in the last ${policy.windowDays} days`;
}

/** Charges the model to each enterprise that has room for it; a model already charged to an enterprise in the window costs nothing again. */
export async function chargeModelBudget(db: Db, pseudonym: Pseudonymizer, policy: ScoringPolicy, charge: BudgetCharge, now = Date.now()): Promise<BudgetOutcome> {
  const since = new Date(now - policy.windowDays * DAY).toISOString();
  const at = new Date(now).toISOString();
  const hashOf = new Map(charge.ids.map((id) => [id, pseudonym(id)]));
  const allowed: string[] = [];
  const refused: BudgetOutcome['refused'] = [];
  await db.transaction(async (q) => {
    // One statement to read and one to write for the whole request: the hashes go in as one JSON array.
    // Only the enterprises this model is not charged to in the window come back, each with how many
    // distinct models it has had in the window (the key holds the model): a steady stream of requests
    // for the same model reads no rows (where one row per enterprise came back, about three times the
    // time). `+first_at` keeps both lookups on the primary key (one lookup per enterprise asked about)
    // rather than the window index, which would scan every entry of the dataset's window.
    const rows = await q.all<{ enterprise: string; used: number }>(
      `SELECT j.value AS enterprise,
         (SELECT COUNT(*) FROM score_models s WHERE s.bank = ?1 AND s.dataset = ?2 AND s.enterprise = j.value AND +s.first_at > ?4) AS used
       FROM json_each(?5) j
       WHERE NOT EXISTS (SELECT 1 FROM score_models c WHERE c.bank = ?1 AND c.dataset = ?2 AND c.enterprise = j.value AND c.model = ?3 AND +c.first_at > ?4)`,
      [charge.bank, charge.dataset, charge.model, since, JSON.stringify([...new Set(hashOf.values())])],
    );
    const uncharged = new Map(rows.map((r) => [r.enterprise, r.used]));
    const fresh: string[] = [];
    const chargedNow = new Set<string>();
    for (const id of charge.ids) {
      const hash = hashOf.get(id)!;
      const used = uncharged.get(hash);
      if (used === undefined || chargedNow.has(hash)) allowed.push(id);
      else if (used < policy.modelsPerWindow) {
        chargedNow.add(hash);
        fresh.push(hash);
        allowed.push(id);
      } else refused.push({ id, reason: budgetReason(policy) });
    }
    // An entry older than the window is renewed rather than duplicated.
    if (fresh.length) {
      await q.run('INSERT OR REPLACE INTO score_models (bank, dataset, enterprise, model, first_at) SELECT ?, ?, value, ?, ? FROM json_each(?)', [charge.bank, charge.dataset, charge.model, at, JSON.stringify(fresh)]);
    }
  });
  return { allowed, refused };
}

/** How far each bank has used the budget of a dataset, as counts over enterprises (never which ones). */
export async function budgetCounts(db: Db, policy: ScoringPolicy, dataset: string, bank?: string, now = Date.now()): Promise<BankBudgetCounts<number>[]> {
  const since = new Date(now - policy.windowDays * DAY).toISOString();
  const rows = await db.all<{ bank: string; used: number; enterprises: number }>(
    `SELECT bank, used, COUNT(*) AS enterprises FROM (
       SELECT bank, enterprise, COUNT(*) AS used FROM score_models WHERE dataset = ? AND first_at > ? ${bank ? 'AND bank = ?' : ''} GROUP BY bank, enterprise
     ) GROUP BY bank, used ORDER BY bank, used`,
    [dataset, since, ...(bank ? [bank] : [])],
  );
  const models = await db.all<{ bank: string; n: number }>(
    `SELECT bank, COUNT(DISTINCT model) AS n FROM score_models WHERE dataset = ? AND first_at > ? ${bank ? 'AND bank = ?' : ''} GROUP BY bank`,
    [dataset, since, ...(bank ? [bank] : [])],
  );
  return models.map((m) => {
    const mine = rows.filter((r) => r.bank === m.bank);
    return {
      bank: m.bank,
      models: m.n,
      byModels: mine.map((r) => ({ models: r.used, enterprises: r.enterprises })),
      atLimit: mine.filter((r) => r.used >= policy.modelsPerWindow).reduce((s, r) => s + r.enterprises, 0),
    };
  });
}
