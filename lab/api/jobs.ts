/** A job as the API shows it (`/v1/jobs`), the answer to a decision on it, and a bank's privacy budget. */
import type { JobState } from '../lifecycle';
import type { JobSpec } from '../spec/job-spec';

/** An automatic flag on a submitted spec, for the steward's review (stewards see them, banks do not). */
export interface RiskFlag {
  code: 'sensitive_columns' | 'small_cohort' | 'rare_label' | 'bank_only' | 'scoring_rule' | 'he_protocol' | 'monitor';
  message: string;
}

export interface JobView {
  id: string;
  name: string;
  org: string;
  owner: string;
  state: JobState;
  reason: string | null;
  progress: number;
  progressNote: string | null;
  spec: JobSpec;
  flags?: RiskFlag[];
  approvedSensitive: string[];
  createdAt: string;
  updatedAt: string;
}

/** `GET /v1/jobs`. */
export interface JobList {
  jobs: JobView[];
}

/** What approving, rejecting or cancelling a job answers: the state it is in now. */
export interface JobMove {
  id: string;
  state: JobState;
}

/** `GET /v1/privacy/budget`: an organization's epsilon budget and how much of it its jobs hold. */
export interface PrivacyBudget {
  org: string;
  budget: number;
  spent: number;
  remaining: number;
}
