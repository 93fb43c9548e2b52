/**
 * How much a bank may learn through PSI. Every blinded point a bank sends is one membership test
 * ("is this enterprise on the platform?"), and a hostile bank can send points for ids that are not
 * its customers, enumerating codes to map who is on the platform. The rule caps the points of one
 * session, the points and sessions of a bank (organization) per dataset per UTC day, the points of a
 * bank across all datasets over a rolling 30 days (a daily cap alone lets a bank scan a registry a
 * few million codes a day, or spread the scan over datasets), and how many sessions it may hold open;
 * every session is audited with its sizes.
 */
import { JointlabError } from '../../lab/errors';

export interface PsiLimits {
  /** Points (customer ids) one session may announce. */
  pointsPerSession: number;
  /** Points a bank's sessions on one dataset may announce per UTC day: an announced session counts in full, used or not. */
  pointsPerDay: number;
  /** Sessions a bank may open on one dataset per UTC day: each costs the enclave a blinding of its whole dataset. */
  sessionsPerDay: number;
  /** Points a bank's sessions on all datasets together may announce over the last 30 days (a rolling window, not calendar months). */
  pointsPer30Days: number;
  /** Sessions a bank may hold open at once (they live in memory). */
  openSessions: number;
  /** Points in one request, each way. */
  pointsPerRequest: number;
  /** A session unused this long is closed and its secrets dropped. */
  idleMinutes: number;
  /**
   * Datasets up to this many enterprises have their blinded set made ahead of the next session
   * (enclave/psi/prepared-sets.ts: about 40 µs of CPU and 100 bytes of memory an enterprise); 0 turns it off.
   */
  prepareAheadIds: number;
}

/**
 * Room for a bank of two million customers to align once or twice a day, not for scanning a country's
 * registry: over 30 days, eight sessions of the largest size (a two-million book aligned weekly on two
 * datasets), about a third of the country's 50 million registered enterprises at most.
 */
export const DEFAULT_PSI_LIMITS: PsiLimits = { pointsPerSession: 2_097_152, pointsPerDay: 4_194_304, sessionsPerDay: 20, pointsPer30Days: 16_777_216, openSessions: 2, pointsPerRequest: 16_384, idleMinutes: 30, prepareAheadIds: 2_097_152 };

/** The rolling window of `pointsPer30Days`. */
export const PSI_WINDOW_DAYS = 30;

export interface PsiUsageToday {
  points: number;
  sessions: number;
  open: number;
  /** Points the bank announced on every dataset in the last PSI_WINDOW_DAYS days. */
  pointsWindow: number;
  /** When the oldest session still in the window leaves it (ISO time), if any. */
  windowFreesAt: string | null;
}

/** Refuses a session that would break the rule: 400 for a session too big in itself, 429 for a spent budget. */
export function assertPsiBudget(points: number, used: PsiUsageToday, limits: PsiLimits): void {
  if (points > limits.pointsPerSession) {
    throw new JointlabError('psi_session_too_large', `a PSI session takes at most ${limits.pointsPerSession} ids; split the customer list`, 'usage');
  }
  if (used.open >= limits.openSessions) {
    throw new JointlabError('psi_busy', `your organization has ${used.open} PSI sessions open on this dataset; finish or close one first`, 'rate');
  }
  if (used.sessions >= limits.sessionsPerDay) {
    throw new JointlabError('psi_budget', `your organization opened ${used.sessions} PSI sessions on this dataset today, the daily limit; retry tomorrow (UTC)`, 'rate');
  }
  if (used.points + points > limits.pointsPerDay) {
    throw new JointlabError('psi_budget', `${points} more ids would pass your organization's daily PSI budget on this dataset (${used.points} of ${limits.pointsPerDay} used today, UTC)`, 'rate');
  }
  if (used.pointsWindow + points > limits.pointsPer30Days) {
    const frees = used.windowFreesAt ? `; the oldest session in the window leaves it at ${used.windowFreesAt}` : '';
    throw new JointlabError(
      'psi_budget',
      `${points} more ids would pass your organization's PSI budget across all datasets over ${PSI_WINDOW_DAYS} days (${used.pointsWindow} of ${limits.pointsPer30Days} used in the last ${PSI_WINDOW_DAYS} days${frees})`,
      'rate',
    );
  }
}
