/** PSI sessions as the API describes them (`/v1/psi/sessions`): sizes and state, never a point or an id. */

export type PsiState = 'open' | 'matched' | 'used' | 'closed' | 'expired';

/** `POST /v1/psi/sessions` and `GET /v1/psi/sessions/:id`. */
export interface PsiSessionView {
  id: string;
  dataset: string;
  /** Goes into the hashing domain (lab/psi/hash-to-point.ts psiDomain), so that hashed ids differ per session. */
  nonce: string;
  state: PsiState;
  /** Ids the bank announced, and how many blinded points arrived so far. */
  points: number;
  received: number;
  /** The enclave's own blinded set: its size and how it is cut into chunks. */
  /** The dataset's enterprises padded with points of none (enclave/release/psi-padding.ts), so the length does not give the dataset's size. */
  platformPoints: number;
  platformChunks: number;
  /** Points per request, each way; the platform's chunk i holds points i * chunkPoints up to the next. */
  chunkPoints: number;
  /** Once matched: how many of the dataset's enterprises are among the bank's ids. */
  intersection: number | null;
  /** The upload bound to the session, once used. */
  upload: string | null;
  expiresAt: string;
  /**
   * The bank's PSI budget (enclave/release/psi-budget.ts), this session included: on this dataset today
   * (UTC), and across all datasets over the rolling 30 days, with when its oldest session leaves the window.
   */
  budget: { pointsPerDay: number; pointsToday: number; sessionsPerDay: number; sessionsToday: number; pointsPer30Days: number; points30Days: number; windowFreesAt: string | null };
}

/** `POST /v1/psi/sessions/:id/finish`. */
export interface PsiFinish {
  intersection: number;
}

/** What `jointlab upload` reports of the PSI step. */
export interface PsiReport {
  session: string;
  dataset: string;
  /** Rows of the bank's file, rows on the platform (uploaded), points in the platform's blinded set (the dataset padded: enclave/release/psi-padding.ts). */
  customers: number;
  intersection: number;
  platform: number;
  seconds: number;
  bytes: { up: number; down: number };
  budget: PsiSessionView['budget'];
}
