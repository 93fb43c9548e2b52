/**
 * The console's names for the enclave API's answers. Each is declared once in lab/api (the contract
 * the enclave, CLI, demo and bench share); the imports are type-only, so nothing of lab/ reaches the browser.
 */

export type { Principal, Role } from '../../lab/api/principals';
export type { JobView as Job, PrivacyBudget } from '../../lab/api/jobs';
export type { JobResults as Results } from '../../lab/api/results';
export type { BinaryMetrics as Metrics } from '../../models/metrics';
export type { DatasetMeta as Dataset } from '../../lab/api/datasets';
export type { UploadMeta as Upload } from '../../lab/api/uploads';
export type { ScoringBudget } from '../../lab/api/scoring';
export type { ConsentCount } from '../../lab/api/consents';
export type { JointScores as ApplicantScores } from '../../lab/api/joint-scores';
export type { AuditEntry, AuditPrincipal, AuditTail as AuditPage, AuditVerdict } from '../../lab/api/audit';
