/** The PSI sessions' rows: sizes and outcome for the audit and the daily budget, never a point, a scalar or a bank's id. */
import type { Principal } from '../../lab/api/principals';
import type { PsiState } from '../../lab/api/psi';
import { Queries } from '../store/db';
import { PSI_WINDOW_DAYS, PsiUsageToday } from '../release/psi-budget';

export interface PsiRow {
  id: string;
  org: string;
  owner: string;
  dataset: string;
  nonce: string;
  points: number;
  received: number;
  platform: number;
  intersection: number | null;
  upload: string | null;
  state: PsiState;
  created_at: string;
  closed_at: string | null;
}

export const startOfUtcDay = (now = new Date()): string => `${now.toISOString().slice(0, 10)}T00:00:00.000Z`;

/**
 * Today's sessions and announced points of an organization on a dataset, and its points on every
 * dataset over the rolling window (open sessions are counted from memory by the caller).
 */
export async function psiUsageToday(q: Queries, org: string, dataset: string, now = new Date()): Promise<Omit<PsiUsageToday, 'open'>> {
  const row = await q.get<{ sessions: number; points: number | null }>('SELECT COUNT(*) AS sessions, SUM(points) AS points FROM psi_sessions WHERE org = ? AND dataset = ? AND created_at >= ?', [org, dataset, startOfUtcDay(now)]);
  const windowStart = new Date(now.getTime() - PSI_WINDOW_DAYS * 86_400_000).toISOString();
  const window = await q.get<{ points: number | null; oldest: string | null }>('SELECT SUM(points) AS points, MIN(created_at) AS oldest FROM psi_sessions WHERE org = ? AND created_at >= ?', [org, windowStart]);
  const windowFreesAt = window?.oldest ? new Date(Date.parse(window.oldest) + PSI_WINDOW_DAYS * 86_400_000).toISOString() : null;
  return { sessions: row?.sessions ?? 0, points: row?.points ?? 0, pointsWindow: window?.points ?? 0, windowFreesAt };
}

export async function insertPsiRow(q: Queries, row: { id: string; actor: Principal; dataset: string; nonce: string; points: number; platform: number; createdAt: string }): Promise<void> {
  await q.run('INSERT INTO psi_sessions (id, org, owner, dataset, nonce, points, platform, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    row.id,
    row.actor.org,
    row.actor.id,
    row.dataset,
    row.nonce,
    row.points,
    row.platform,
    'open',
    row.createdAt,
  ]);
}

export async function getPsiRow(q: Queries, id: string): Promise<PsiRow | undefined> {
  return q.get<PsiRow>('SELECT * FROM psi_sessions WHERE id = ?', [id]);
}

export async function updatePsiRow(q: Queries, id: string, change: { state: PsiState; received?: number; intersection?: number; upload?: string; closed?: boolean }): Promise<void> {
  await q.run('UPDATE psi_sessions SET state = ?, received = COALESCE(?, received), intersection = COALESCE(?, intersection), upload = COALESCE(?, upload), closed_at = CASE WHEN ? THEN ? ELSE closed_at END WHERE id = ?', [
    change.state,
    change.received ?? null,
    change.intersection ?? null,
    change.upload ?? null,
    change.closed ? 1 : 0,
    new Date().toISOString(),
    id,
  ]);
}
