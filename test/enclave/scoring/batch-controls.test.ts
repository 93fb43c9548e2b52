/**
 * The per-enterprise controls read and write a whole request of ids in one statement each: on a real
 * SQLite store, a request of 8,192 ids mixing every case (consented, revoked, expired, not yet in
 * force, another bank's, unknown, repeated; under and over quota; under, at and past the model
 * budget, inside and outside its window) gets exactly the answers a lookup per id gives.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { loadPseudonymizer } from '../../../enclave/audit/pseudonym';
import { checkConsent } from '../../../enclave/data/consents';
import { budgetReason, chargeModelBudget } from '../../../enclave/release/model-budget';
import { DEFAULT_SCORING_POLICY } from '../../../enclave/release/scoring-policy';
import { DEFAULT_SCORING_LIMITS, ScoreLimiter } from '../../../enclave/scoring/limits';
import { openStore, versionBefore } from '../../../enclave/store/schema';
import { Db } from '../../../enclave/store/db';
import { JointlabError } from '../../../lab/errors';
import { Random } from '../../../models/random';
import { tempDir } from '../../helpers/cli';

const DAY = 86_400_000;
const TODAY = '2026-06-01';
const idOf = (i: number): string => `E${String(i).padStart(7, '0')}`;

describe('per-enterprise controls over a whole request', function () {
  this.timeout(120_000);
  let db: Db;
  let file: string;
  const random = new Random(17);
  // Each of 10,000 enterprises gets one consent case for bank-a's scoring.
  const cases = ['valid', 'valid', 'valid', 'revoked', 'expired', 'pending', 'other-bank', 'training-only', 'none'] as const;
  const caseOf = Array.from({ length: 10_000 }, () => cases[Math.floor(random.uniform() * cases.length)]);
  before(async () => {
    file = join(tempDir(), 'batch.db');
    db = await openStore(file);
    const rows: (string | null)[][] = [];
    caseOf.forEach((c, i) => {
      const id = idOf(i);
      if (c === 'none') return;
      const bank = c === 'other-bank' ? 'bank-b' : 'bank-a';
      const purpose = c === 'training-only' ? 'training' : 'scoring';
      const granted = c === 'pending' ? '2026-07-01' : '2025-01-01';
      const expires = c === 'expired' ? '2026-06-01' : '2099-01-01';
      rows.push([id, bank, purpose, granted, expires, c === 'revoked' ? '2026-05-01T00:00:00Z' : null, '2026-01-01T00:00:00Z']);
    });
    await db.transaction(async (q) => {
      for (const r of rows) await q.run('INSERT INTO consents (enterprise_id, bank, purpose, granted, expires, revoked_at, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)', r);
    });
  });
  after(() => db.close());

  /** A request of 8,192 ids drawn from the enterprises, some repeated, some never imported. */
  const request = (): string[] => Array.from({ length: 8192 }, () => (random.uniform() < 0.02 ? `X${Math.floor(random.uniform() * 1e6)}` : idOf(Math.floor(random.uniform() * 10_000))));

  it('consent: the same ids allowed and the same refusals with the same reasons as a lookup per id', async () => {
    const ids = request();
    const batch = await checkConsent(db, 'bank-a', 'scoring', ids, TODAY);
    const allowed: string[] = [];
    const refused: { id: string; reason: string }[] = [];
    for (const id of [...new Set(ids)]) {
      const c = await db.get<{ granted: string; expires: string; revoked_at: string | null }>('SELECT granted, expires, revoked_at FROM consents WHERE enterprise_id = ? AND bank = ? AND purpose = ?', [id, 'bank-a', 'scoring']);
      if (!c) refused.push({ id, reason: 'no scoring consent for this bank' });
      else if (c.revoked_at) refused.push({ id, reason: 'consent revoked' });
      else if (c.granted > TODAY) refused.push({ id, reason: 'consent not yet in force' });
      else if (c.expires <= TODAY) refused.push({ id, reason: 'consent expired' });
      else allowed.push(id);
    }
    assert.deepEqual(batch, { allowed, refused });
    // Every case occurs in the request, so each branch was compared.
    assert.equal(new Set(refused.map((r) => r.reason)).size, 4);
    assert.ok(allowed.length > 1000);
  });

  it('quota: a request that would pass the daily quota is refused whole and records nothing; repeated ids count once', async () => {
    const pseudonym = await loadPseudonymizer(db);
    const limiter = new ScoreLimiter(db, { ...DEFAULT_SCORING_LIMITS, enterprisesPerDay: 10_000 }, pseudonym);
    // The day's rows, and the count the quota decides on (kept by a trigger) checked against them at every read.
    const stored = async (principal = 'p', day = TODAY): Promise<Set<string>> => {
      const rows = new Set((await db.all<{ enterprise: string }>('SELECT enterprise FROM score_usage WHERE principal = ? AND day = ?', [principal, day])).map((r) => r.enterprise));
      const counted = await db.get<{ n: number }>('SELECT enterprises AS n FROM score_usage_days WHERE principal = ? AND day = ?', [principal, day]);
      assert.equal(counted?.n ?? 0, rows.size, `the count of ${principal} on ${day}`);
      return rows;
    };
    const first = Array.from({ length: 8192 }, (_, i) => idOf(i % 8000));
    await limiter.chargeEnterprises('p', first, TODAY);
    assert.deepEqual(await stored(), new Set(first.map(pseudonym)));
    assert.equal((await stored()).size, 8000);
    // 8,000 used: 1,000 already counted and 2,001 new would make 10,001.
    const over = [...Array.from({ length: 1000 }, (_, i) => idOf(i)), ...Array.from({ length: 2001 }, (_, i) => idOf(8000 + i))];
    await assert.rejects(limiter.chargeEnterprises('p', over, TODAY), (e: unknown) => e instanceof JointlabError && e.code === 'quota_exceeded' && /\(8000 used today\)/.test(e.message));
    assert.equal((await stored()).size, 8000, 'a refused request was counted');
    // Exactly up to the quota passes; one more distinct enterprise does not.
    await limiter.chargeEnterprises('p', over.slice(0, 3000), TODAY);
    assert.equal((await stored()).size, 10_000);
    await limiter.chargeEnterprises('p', first, TODAY);
    await assert.rejects(limiter.chargeEnterprises('p', [idOf(10_000)], TODAY), (e: unknown) => e instanceof JointlabError && e.code === 'quota_exceeded');
    assert.equal((await stored()).size, 10_000);
    // A limiter that knows nothing recorded yet (a restart) decides alike from the store.
    const restarted = new ScoreLimiter(db, { ...DEFAULT_SCORING_LIMITS, enterprisesPerDay: 10_000 }, pseudonym);
    await restarted.chargeEnterprises('p', [...first, ...over.slice(0, 3000)], TODAY);
    await assert.rejects(restarted.chargeEnterprises('p', [idOf(10_000), ...first], TODAY), (e: unknown) => e instanceof JointlabError && /\(10000 used today\)/.test(e.message));
    assert.equal((await stored()).size, 10_000);
    // Another principal, another day: their own counts.
    await limiter.chargeEnterprises('q', first, TODAY);
    await limiter.chargeEnterprises('p', first, '2026-06-02');
    assert.equal((await stored('q')).size, 8000);
    assert.equal((await stored('p', '2026-06-02')).size, 8000);
    assert.equal((await stored()).size, 10_000);
  });

  it('quota: a store from before the kept count gets the count of the rows it holds', async () => {
    const file = join(tempDir(), 'quota-upgrade.db');
    const old = await openStore(file, versionBefore('score_usage_days'));
    await old.run("INSERT INTO score_usage (principal, day, enterprise) SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)", [
      JSON.stringify([...Array.from({ length: 300 }, (_, i) => ['p', TODAY, `h${i}`]), ...Array.from({ length: 20 }, (_, i) => ['q', TODAY, `h${i}`])]),
    ]);
    await old.close();
    const upgraded = await openStore(file);
    try {
      const limiter = new ScoreLimiter(upgraded, { ...DEFAULT_SCORING_LIMITS, enterprisesPerDay: 310 }, await loadPseudonymizer(upgraded));
      await assert.rejects(limiter.chargeEnterprises('p', Array.from({ length: 11 }, (_, i) => idOf(i)), TODAY), (e: unknown) => e instanceof JointlabError && /\(300 used today\)/.test(e.message));
      await limiter.chargeEnterprises('p', Array.from({ length: 10 }, (_, i) => idOf(i)), TODAY);
      assert.deepEqual(await upgraded.all('SELECT principal, enterprises FROM score_usage_days ORDER BY principal'), [{ principal: 'p', enterprises: 310 }, { principal: 'q', enterprises: 20 }]);
    } finally {
      await upgraded.close();
    }
  });

  it('model budget: the same ids allowed and refused, and the same entries stored, as a decision per id', async () => {
    const pseudonym = await loadPseudonymizer(db);
    const policy = { ...DEFAULT_SCORING_POLICY, modelsPerWindow: 2, windowDays: 30 };
    const now = Date.parse(`${TODAY}T12:00:00Z`);
    const inWindow = new Date(now - 5 * DAY).toISOString();
    const outOfWindow = new Date(now - 40 * DAY).toISOString();
    // Enterprise i has i % 5 earlier models: none, one, two, two of which one left the window, or this very model already.
    const prior: (string | number)[][] = [];
    for (let i = 0; i < 10_000; i++) {
      const h = pseudonym(idOf(i));
      const kind = i % 5;
      if (kind >= 1 && kind <= 3) prior.push(['bank-a', 'platform', h, 'job:old1', inWindow]);
      if (kind === 2) prior.push(['bank-a', 'platform', h, 'job:old2', inWindow]);
      if (kind === 3) prior.push(['bank-a', 'platform', h, 'job:old2', outOfWindow]);
      if (kind === 4) prior.push(['bank-a', 'platform', h, 'he:new', inWindow], ['bank-a', 'platform', h, 'job:old1', inWindow]);
      // Another bank's and another dataset's entries never count.
      if (i % 7 === 0) prior.push(['bank-b', 'platform', h, 'job:b1', inWindow], ['bank-b', 'platform', h, 'job:b2', inWindow], ['bank-a', 'other', h, 'job:o1', inWindow], ['bank-a', 'other', h, 'job:o2', inWindow]);
    }
    await db.run("INSERT INTO score_models (bank, dataset, enterprise, model, first_at) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?)", [JSON.stringify(prior)]);
    const ids = request().filter((id) => id.startsWith('E'));
    const since = new Date(now - policy.windowDays * DAY).toISOString();
    // The decision per id, on the state before the charge (each enterprise's own rows only).
    const expected = { allowed: [] as string[], refused: [] as { id: string; reason: string }[] };
    const added = new Set<string>();
    for (const id of ids) {
      const h = pseudonym(id);
      const models = new Set((await db.all<{ model: string }>('SELECT model FROM score_models WHERE bank = ? AND dataset = ? AND enterprise = ? AND +first_at > ?', ['bank-a', 'platform', h, since])).map((r) => r.model));
      if (added.has(h)) models.add('he:new');
      if (models.has('he:new')) expected.allowed.push(id);
      else if (models.size < policy.modelsPerWindow) {
        added.add(h);
        expected.allowed.push(id);
      } else expected.refused.push({ id, reason: budgetReason(policy) });
    }
    const batch = await chargeModelBudget(db, pseudonym, policy, { bank: 'bank-a', dataset: 'platform', model: 'he:new', ids }, now);
    assert.deepEqual(batch, expected);
    assert.ok(expected.refused.length > 1000 && expected.allowed.length > 3000);
    const charged = await db.all<{ enterprise: string; first_at: string }>("SELECT enterprise, first_at FROM score_models WHERE model = 'he:new' AND first_at = ?", [new Date(now).toISOString()]);
    assert.deepEqual(new Set(charged.map((r) => r.enterprise)), added);
    // The same request again, as a session's next one: every allowed enterprise now has this model, the refused ones still have no room; nothing is stored again.
    const entries = async () => (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM score_models'))!.n;
    const before = await entries();
    assert.deepEqual(await chargeModelBudget(db, pseudonym, policy, { bank: 'bank-a', dataset: 'platform', model: 'he:new', ids }, now + 60_000), expected);
    assert.equal(await entries(), before);
    // A request mixing those enterprises with others: the charges this connection already knows and a
    // second connection that knows none (it asks the store for every enterprise) decide alike.
    const next = request().filter((id) => id.startsWith('E'));
    const other = await openStore(file);
    try {
      const fromStore = await chargeModelBudget(other, pseudonym, policy, { bank: 'bank-a', dataset: 'platform', model: 'he:new', ids: [...ids, ...next] }, now + 120_000);
      assert.deepEqual(await chargeModelBudget(db, pseudonym, policy, { bank: 'bank-a', dataset: 'platform', model: 'he:new', ids: [...ids, ...next] }, now + 180_000), fromStore);
      assert.ok(fromStore.refused.length > expected.refused.length, 'the new enterprises include some without room');
      // Past the window, a known charge no longer counts: the store is asked again and the model charged anew.
      const later = now + (policy.windowDays + 1) * DAY;
      const first50 = ids.slice(0, 50);
      assert.deepEqual((await chargeModelBudget(db, pseudonym, policy, { bank: 'bank-a', dataset: 'platform', model: 'he:new', ids: first50 }, later)).allowed, first50);
      const renewed = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM score_models WHERE model = 'he:new' AND first_at = ?", [new Date(later).toISOString()]);
      assert.equal(renewed!.n, new Set(first50.map(pseudonym)).size);
    } finally {
      await other.close();
    }
  });
});
