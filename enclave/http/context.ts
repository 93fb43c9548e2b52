/** What every route handler needs: the store, the job runner and the service's settings. */
import { Db } from '../store/db';
import { Runner } from '../jobs/runner';
import { DEFAULT_HE_SETTINGS, HeSettings } from '../he/sessions';
import { SealPoolSettings } from '../he/seal-pool';
import { Pseudonymizer } from '../audit/pseudonym';
import { DEFAULT_SCORING_LIMITS, ScoreLimiter, ScoringLimits } from '../scoring/limits';
import { DEFAULT_PSI_LIMITS, PsiLimits } from '../release/psi-budget';
import { PsiService } from '../psi/psi-service';
import type { NetworkSettings } from '../network/settings';
import { DEFAULT_IMPORT_LIMITS, ImportLimits } from '../data/csv-import';
import type { PlatformEngineChoice } from '../columnar/engine';

export interface EnclaveSettings {
  /** k for bank-only jobs and new datasets unless the steward sets one. */
  defaultK: number;
  minTrainingRows: number;
  /** Largest CSV body accepted for bank uploads, consents and applicants (read whole). */
  csvLimit: string;
  /** Largest dataset import, in rows and bytes: imports are streamed, never held whole. */
  import: ImportLimits;
  /** Largest JSON body. */
  jsonLimit: string;
  /** Largest HE session body (public and Galois keys) and largest ciphertext envelope. */
  heKeyLimit: string;
  heCipherLimit: string;
  /** HE limits; `pool` sizes the SEAL worker pool (defaults in `seal-pool.ts`: a worker per core, 8 waiting per bank, 300 s). */
  he: Omit<HeSettings, 'minTrainingRows'> & { pool?: Partial<SealPoolSettings> };
  scoring: ScoringLimits;
  /** Differential-privacy budget (total epsilon) of each bank. */
  epsilonBudget: number;
  /** PSI session sizes and daily and 30-day budgets (enclave/release/psi-budget.ts). */
  psi: PsiLimits;
  /** Bank uploads only through a matched PSI session (enclave/release/psi-required.ts). */
  requirePsi: boolean;
  /** Set when the enclave is a member of the national network (enclave/network/). */
  network?: NetworkSettings;
  /** The engine that reads the platform's columns for jobs (enclave/columnar/engine.ts): `auto` (DuckDB when it loads), `sqlite` or `duckdb`; unset, JOINTLAB_PLATFORM_ENGINE decides. */
  platformEngine?: PlatformEngineChoice;
  /** Keep the next training job's worker started and warmed (enclave/jobs/runner.ts); `jointlab enclave start` turns it on. */
  warmWorker?: boolean;
  /** Start the SEAL workers with the largest parameter set's context when the enclave starts (enclave/he/seal-pool.ts); `jointlab enclave start` turns it on. */
  warmSeal?: boolean;
}

export const DEFAULT_SETTINGS: EnclaveSettings = {
  defaultK: 10,
  minTrainingRows: 100,
  csvLimit: '64mb',
  import: DEFAULT_IMPORT_LIMITS,
  jsonLimit: '1mb',
  heKeyLimit: '48mb',
  heCipherLimit: '64mb',
  he: { maxRounds: DEFAULT_HE_SETTINGS.maxRounds, maxScoreIds: DEFAULT_HE_SETTINGS.maxScoreIds },
  scoring: DEFAULT_SCORING_LIMITS,
  epsilonBudget: 10,
  psi: DEFAULT_PSI_LIMITS,
  requirePsi: false,
};

export interface EnclaveContext {
  db: Db;
  runner: Runner;
  settings: EnclaveSettings;
  log: (line: string) => void;
  pseudonym: Pseudonymizer;
  limiter: ScoreLimiter;
  psi: PsiService;
}
