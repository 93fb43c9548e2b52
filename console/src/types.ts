/** The shapes of the enclave API's answers that the console reads (the API's OpenAPI document has them all). */

export type Role = 'admin' | 'steward' | 'bank' | 'researcher';

export interface Principal {
  id: string;
  name: string;
  role: Role;
  org: string;
}

export interface Job {
  id: string;
  name: string;
  org: string;
  state: string;
  reason: string | null;
  progress: number;
  progressNote: string | null;
  spec: { purpose: string; mode?: string; label?: string; model: { family: string }; platform?: { dataset: string; columns: string[] }; bank?: { upload: string; columns?: string[] }; privacy?: { epsilon: number } };
  flags?: { code: string; message: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface Metrics {
  auc: number;
  ks: number;
  gini: number;
}

export interface Results {
  id: string;
  state: string;
  reason: string | null;
  backend: string;
  seconds: number;
  k: number;
  released: {
    parameters?: { model: { kind: string } };
    metrics?: { train?: Metrics; test?: Metrics; rows: { train: number; test: number } };
    curves?: { roc: unknown[] };
  };
  withheld: { part: string; reason: string }[];
  /** Whether the released model may score enterprises in the clear. */
  scoring?: { passes: boolean; reason?: string; rule: { minFeatures: number; maxShare: number }; features: { name: string; share: number }[] };
}

export interface Dataset {
  name: string;
  rows: number;
  k: number;
  requireTrainingConsent: boolean;
  columns: { name: string; type: string; policy: string }[];
}

/** A dataset's scoring policy and how far each bank has used the model budget (a bank: its own, counts under k as null). */
export interface ScoringBudget {
  dataset: string;
  policy: { modelsPerWindow: number; windowDays: number; noiseSwap: number; noiseSd: number };
  banks: { bank: string; models: number; byModels: { models: number; enterprises: number | null }[]; atLimit: number | null }[];
}

/** A bank's uploaded table as GET /v1/uploads describes it: its shape, never its rows. */
export interface Upload {
  id: string;
  name: string;
  org: string;
  idColumn: string;
  columns: { name: string; type: 'numeric' | 'categorical' }[];
  rows: number;
  createdAt: string;
}

/** An organization's differential-privacy budget (GET /v1/privacy/budget): epsilon granted, spent by its DP jobs, left. */
export interface PrivacyBudget {
  org: string;
  budget: number;
  spent: number;
  remaining: number;
}

export interface ConsentCount {
  bank: string;
  purpose: string;
  active: number | null;
  revoked: number | null;
  expired: number | null;
  pending: number | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  object: string;
  detail: string;
}

/** Who a principal named in the audit log is; GET /v1/audit gives them keyed by id beside the entries. */
export interface AuditPrincipal {
  name: string;
  role: Role;
  org: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  principals: Record<string, AuditPrincipal>;
}

export interface AuditVerdict {
  ok: boolean;
  entries: number;
  firstBroken?: { seq: number; problem: string };
}
