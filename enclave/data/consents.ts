/** Information-subject authorizations: which enterprise let which bank use its data for what, and until when. */
import { parseCsv } from '../../lab/data/csv';
import { JointlabError } from '../../lab/errors';
import { appendAudit } from '../audit/log';
import type { Principal } from '../../lab/api/principals';
import { releaseCount } from '../release/disclosure';
import { Db } from '../store/db';
import { CSV_LIMITS, decodeCsvBody } from './csv-import';
import type { ConsentCount, ConsentImport, ConsentRevocation, Purpose } from '../../lab/api/consents';
import { PURPOSES } from '../../lab/spec/policy';


const DATE = /^\d{4}-\d{2}-\d{2}$/;
const COLUMNS = ['enterprise_id', 'bank', 'purpose', 'granted', 'expires'];

/** Imports consent records (a later record for the same enterprise, bank and purpose replaces the earlier one). */
export async function importConsents(db: Db, body: unknown, actor: Principal): Promise<ConsentImport> {
  const table = parseCsv(decodeCsvBody(body), 'consents', CSV_LIMITS);
  const at = COLUMNS.map((c) => {
    const k = table.header.indexOf(c);
    if (k < 0) throw new JointlabError('unknown_column', `the consent table needs a "${c}" column`);
    return k;
  });
  const rows = table.rows.map((row, r) => {
    const [id, bank, purpose, granted, expires] = at.map((k) => row[k].trim());
    const line = table.lines[r];
    if (!id || !bank) throw new JointlabError('bad_consent', `line ${line}: enterprise_id and bank are required`);
    if (!(PURPOSES as readonly string[]).includes(purpose)) throw new JointlabError('bad_consent', `line ${line}: purpose must be one of ${PURPOSES.join(', ')}`);
    if (!DATE.test(granted) || !DATE.test(expires)) throw new JointlabError('bad_consent', `line ${line}: granted and expires must be YYYY-MM-DD dates`);
    return [id, bank, purpose, granted, expires];
  });
  const now = new Date().toISOString();
  await db.transaction(async (q) => {
    for (let start = 0; start < rows.length; start += 150) {
      const batch = rows.slice(start, start + 150);
      await q.run(
        `INSERT OR REPLACE INTO consents (enterprise_id, bank, purpose, granted, expires, revoked_at, imported_at) VALUES ${batch.map(() => '(?, ?, ?, ?, ?, NULL, ?)').join(', ')}`,
        batch.flatMap((r) => [...r, now]),
      );
    }
    await appendAudit(q, { actor: actor.id, action: 'consent.import', object: 'consents', detail: { records: rows.length } });
  });
  return { records: rows.length };
}

export interface ConsentCheck {
  allowed: string[];
  refused: { id: string; reason: string }[];
}

/**
 * Splits the ids a bank asked about into those with a consent valid today for this bank and purpose
 * and those without, each refused id named with why. Ids are the bank's own request, so naming them
 * back reveals nothing new; whether an id is on the platform at all is not said.
 */
export async function checkConsent(db: Db, bank: string, purpose: Purpose, ids: string[], today = new Date().toISOString().slice(0, 10)): Promise<ConsentCheck> {
  const unique = [...new Set(ids)];
  // One statement for the whole request: the ids go in as one JSON array (a scoring request names up to
  // 10,000). Only the ids without a consent in force come back, with what their record says: a request
  // of consented enterprises reads no rows, where one row per id came back (most of the statement's
  // time). Dates are YYYY-MM-DD (checked at import), so SQLite's text order is the order compared below.
  // Rows are matched back to ids by their place in the array (j.key), never by the text SQLite hands
  // back: an id that does not survive the trip (a lone surrogate) would otherwise match nothing and pass.
  const rows = await db.all<{ at: number; granted: string | null; expires: string; revoked_at: string | null }>(
    `SELECT j.key AS at, c.granted, c.expires, c.revoked_at FROM json_each(?3) j
     LEFT JOIN consents c ON c.enterprise_id = j.value AND c.bank = ?1 AND c.purpose = ?2
     WHERE c.enterprise_id IS NULL OR c.revoked_at IS NOT NULL OR c.granted > ?4 OR c.expires <= ?4`,
    [bank, purpose, JSON.stringify(unique), today],
  );
  const notInForce = new Map(rows.map((r) => [unique[r.at], r]));
  const allowed: string[] = [];
  const refused: { id: string; reason: string }[] = [];
  // The statement only narrows the ids down: each decision below is the one made per record before.
  for (const id of unique) {
    const c = notInForce.get(id);
    if (c && c.granted === null) refused.push({ id, reason: `no ${purpose} consent for this bank` });
    else if (c?.revoked_at) refused.push({ id, reason: 'consent revoked' });
    else if (c && c.granted! > today) refused.push({ id, reason: 'consent not yet in force' });
    else if (c && c.expires <= today) refused.push({ id, reason: 'consent expired' });
    else allowed.push(id);
  }
  return { allowed, refused };
}

/** Revokes consents of one enterprise for one bank (one purpose, or all); takes effect on the next request. */
export async function revokeConsent(db: Db, input: { enterprise: string; bank: string; purpose?: Purpose }, actor: Principal, pseudonym: (id: string) => string): Promise<ConsentRevocation> {
  if (input.purpose !== undefined && !(PURPOSES as readonly string[]).includes(input.purpose)) {
    throw new JointlabError('bad_consent', `purpose must be one of ${PURPOSES.join(', ')}`, 'usage');
  }
  return db.transaction(async (q) => {
    const now = new Date().toISOString();
    const r = input.purpose
      ? await q.run('UPDATE consents SET revoked_at = ? WHERE enterprise_id = ? AND bank = ? AND purpose = ? AND revoked_at IS NULL', [now, input.enterprise, input.bank, input.purpose])
      : await q.run('UPDATE consents SET revoked_at = ? WHERE enterprise_id = ? AND bank = ? AND revoked_at IS NULL', [now, input.enterprise, input.bank]);
    // The audit names the enterprise by a keyed hash: traceable by the enclave, meaningless outside it.
    await appendAudit(q, { actor: actor.id, action: 'consent.revoke', object: `enterprise:${pseudonym(input.enterprise)}`, detail: { bank: input.bank, purpose: input.purpose ?? 'all', revoked: r.changes } });
    return { revoked: r.changes };
  });
}

/** How many consents each bank holds per purpose, by status: the steward console's overview. */
export async function consentCounts(db: Db, k: number, today = new Date().toISOString().slice(0, 10)): Promise<ConsentCount[]> {
  const rows = await db.all<{ bank: string; purpose: Purpose; active: number; revoked: number; expired: number; pending: number }>(
    `SELECT bank, purpose,
       SUM(CASE WHEN revoked_at IS NULL AND granted <= ? AND expires > ? THEN 1 ELSE 0 END) AS active,
       SUM(CASE WHEN revoked_at IS NOT NULL THEN 1 ELSE 0 END) AS revoked,
       SUM(CASE WHEN revoked_at IS NULL AND expires <= ? THEN 1 ELSE 0 END) AS expired,
       SUM(CASE WHEN revoked_at IS NULL AND granted > ? THEN 1 ELSE 0 END) AS pending
     FROM consents GROUP BY bank, purpose ORDER BY bank, purpose`,
    [today, today, today, today],
  );
  return rows.map((r) => ({ bank: r.bank, purpose: r.purpose, active: releaseCount(r.active, k), revoked: releaseCount(r.revoked, k), expired: releaseCount(r.expired, k), pending: releaseCount(r.pending, k) }));
}
