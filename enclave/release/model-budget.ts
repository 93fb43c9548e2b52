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

/**
 * Charges already read from or written to each store, by bank, dataset and model: enterprise hash to
 * its `first_at`. A session's requests name the same enterprises again and again, and an enterprise
 * whose charge for this model is known and still inside the window is allowed without asking SQLite,
 * which would answer the same: chargeModelBudget is the only writer of score_models, nothing deletes
 * from it, and a replaced entry only moves `first_at` later, so a known charge inside the window is
 * one the store holds. Every other enterprise is asked of the store, in the request's transaction.
 */
const knownCharges = new WeakMap<Db, Map<string, Map<string, string>>>();
/** Charges kept per store (about 100 bytes each); past it they are forgotten and asked of the store again. */
const MAX_KNOWN = 1_000_000;

function chargesOf(db: Db, charge: BudgetCharge): Map<string, string> {
  let byModel = knownCharges.get(db);
  if (!byModel) knownCharges.set(db, (byModel = new Map()));
  let total = 0;
  for (const m of byModel.values()) total += m.size;
  if (total > MAX_KNOWN) byModel.clear();
  const key = [charge.bank, charge.dataset, charge.model].join('\u0000');
  let known = byModel.get(key);
  if (!known) byModel.set(key, (known = new Map()));
  return known;
}

/** Charges the model to each enterprise that has room for it; a model already charged to an enterprise in the window costs nothing again. */
export async function chargeModelBudget(db: Db, pseudonym: Pseudonymizer, policy: ScoringPolicy, charge: BudgetCharge, now = Date.now()): Promise<BudgetOutcome> {
  const since = new Date(now - policy.windowDays * DAY).toISOString();
  const at = new Date(now).toISOString();
  const hashOf = new Map(charge.ids.map((id) => [id, pseudonym(id)]));
  const known = chargesOf(db, charge);
  // The same comparison of ISO times as the store's `first_at > ?` below.
  const chargedInWindow = (hash: string): boolean => (known.get(hash) ?? '') > since;
  const ask = [...new Set(hashOf.values())].filter((h) => !chargedInWindow(h));
  const allowed: string[] = [];
  const refused: BudgetOutcome['refused'] = [];
  if (!ask.length) {
    // Every enterprise already has this model in the window: nothing to charge, nothing to write.
    for (const id of charge.ids) allowed.push(id);
    return { allowed, refused };
  }
  const learned = new Map<string, string>();
  await db.transaction(async (q) => {
    // One statement to read and one to write for the whole request: the hashes go in as one JSON array.
    // Per enterprise: when this model was charged to it inside the window, if it was, and otherwise how
    // many distinct models it has had in the window (the key holds the model). `+first_at` keeps both
    // lookups on the primary key (one lookup per enterprise asked about) rather than the window index,
    // which would scan every entry of the dataset's window.
    const rows = await q.all<{ enterprise: string; charged_at: string | null; used: number | null }>(
      `SELECT enterprise, charged_at,
         CASE WHEN charged_at IS NULL THEN (SELECT COUNT(*) FROM score_models s WHERE s.bank = ?1 AND s.dataset = ?2 AND s.enterprise = e.enterprise AND +s.first_at > ?4) END AS used
       FROM (SELECT j.value AS enterprise,
               (SELECT c.first_at FROM score_models c WHERE c.bank = ?1 AND c.dataset = ?2 AND c.enterprise = j.value AND c.model = ?3 AND +c.first_at > ?4) AS charged_at
             FROM json_each(?5) j) e`,
      [charge.bank, charge.dataset, charge.model, since, JSON.stringify(ask)],
    );
    const uncharged = new Map<string, number>();
    for (const r of rows) {
      if (r.charged_at !== null) learned.set(r.enterprise, r.charged_at);
      else uncharged.set(r.enterprise, r.used ?? 0);
    }
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
      for (const h of fresh) learned.set(h, at);
    }
  });
  // Only once the transaction committed: what is known is what the store holds.
  for (const [h, firstAt] of learned) if ((known.get(h) ?? '') < firstAt) known.set(h, firstAt);
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
