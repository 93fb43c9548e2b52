/** Consent records as the API answers about them (`/v1/consents`): counts, never which enterprise. */
import type { PURPOSES } from '../spec/policy';

export type Purpose = (typeof PURPOSES)[number];

export interface ConsentCount {
  bank: string;
  purpose: Purpose;
  /** Consents in force today, revoked, expired and not yet in force: counts through the disclosure rule. */
  active: number | null;
  revoked: number | null;
  expired: number | null;
  pending: number | null;
}

/** `GET /v1/consents/counts`. */
export interface ConsentCounts {
  k: number;
  counts: ConsentCount[];
}

/** `POST /v1/consents`. */
export interface ConsentImport {
  records: number;
}

/** `POST /v1/consents/revoke`. */
export interface ConsentRevocation {
  revoked: number;
}
