/**
 * Stops the hub could not deliver. A member that is down when the hub ends a job for good (refused
 * by a province, rejected by a steward) would keep its part `approved`, or after its restart
 * `interrupted`, waiting for a run that can never come. The hub keeps each such notice in its file
 * and sends it again (every minute, and at once when an admin adds the member again) until the member
 * has heard it. An interruption needs no notice: a restarted member marks its running parts interrupted itself.
 */
import type { MemberStop } from '../lab/api/network';
import { Db } from '../enclave/store/db';
import { MemberUnreachable, callMember } from './member-client';
import { storedMembers } from './members';

/** How often the hub sends its undelivered stops again. */
export const NOTICE_RETRY_MS = 60_000;

export async function keepUndelivered(db: Db, job: string, province: string, stop: MemberStop): Promise<void> {
  await db.run('INSERT OR REPLACE INTO stop_notices (job, province, outcome, reason, tries, noted_at) VALUES (?, ?, ?, ?, 0, ?)', [job, province, stop.outcome, stop.reason, new Date().toISOString()]);
}

/**
 * Sends the undelivered stops again (of one province, or all): a notice the member heard, or answered
 * with a refusal (it is no longer down; resending changes nothing), is dropped; one it still cannot
 * hear stays. Answers how many were delivered.
 */
export async function deliverStopNotices(db: Db, province?: string): Promise<number> {
  const notices = await db.all<{ job: string; province: string; outcome: MemberStop['outcome']; reason: string }>(
    `SELECT job, province, outcome, reason FROM stop_notices ${province ? 'WHERE province = ?' : ''} ORDER BY noted_at`,
    province ? [province] : [],
  );
  let delivered = 0;
  for (const n of notices) {
    const [member] = await storedMembers(db, [n.province]).catch(() => []);
    try {
      if (member) await callMember(member, 'POST', `/jobs/${n.job}/stop`, { outcome: n.outcome, reason: n.reason });
      delivered++;
    } catch (e) {
      if (e instanceof MemberUnreachable) {
        await db.run('UPDATE stop_notices SET tries = tries + 1 WHERE job = ? AND province = ?', [n.job, n.province]);
        continue;
      }
    }
    await db.run('DELETE FROM stop_notices WHERE job = ? AND province = ?', [n.job, n.province]);
  }
  return delivered;
}

/** Retries in the background while the hub runs; the returned function stops them. */
export function retryStopNotices(db: Db, everyMs = NOTICE_RETRY_MS): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void deliverStopNotices(db)
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
