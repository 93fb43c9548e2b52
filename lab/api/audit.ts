/** The audit log as the API answers it (`/v1/audit`): entries of the hash chain and its verification. */
import type { Role } from '../spec/policy';

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  object: string;
  /** JSON of the entry's details: names and counts, never a value from the data. */
  detail: string;
  prev_hash: string;
  hash: string;
}

/** Who a principal named in the audit log is. */
export interface AuditPrincipal {
  name: string;
  role: Role;
  org: string;
}

/** `GET /v1/audit`: the latest entries, and beside them who the principals they name are, keyed by id. */
export interface AuditTail {
  entries: AuditEntry[];
  principals: Record<string, AuditPrincipal>;
}

/** `GET /v1/audit/verify`. */
export interface AuditVerdict {
  ok: boolean;
  entries: number;
  /** The first entry whose link or hash does not hold, with what is wrong with it. */
  firstBroken?: { seq: number; problem: string };
}
