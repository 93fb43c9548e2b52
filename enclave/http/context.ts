/** What every route handler needs: the store, the job runner and the service's settings. */
import { Db } from '../store/db';
import { Runner } from '../jobs/runner';
import { DEFAULT_HE_SETTINGS, HeSettings } from '../he/sessions';

export interface EnclaveSettings {
  /** k for bank-only jobs and new datasets unless the steward sets one. */
  defaultK: number;
  minTrainingRows: number;
  /** Largest CSV body accepted for dataset imports and bank uploads. */
  csvLimit: string;
  /** Largest JSON body. */
  jsonLimit: string;
  /** Largest HE session body (public and Galois keys) and largest ciphertext envelope. */
  heKeyLimit: string;
  heCipherLimit: string;
  he: Omit<HeSettings, 'minTrainingRows'>;
}

export const DEFAULT_SETTINGS: EnclaveSettings = {
  defaultK: 10,
  minTrainingRows: 100,
  csvLimit: '64mb',
  jsonLimit: '1mb',
  heKeyLimit: '48mb',
  heCipherLimit: '64mb',
  he: { maxRounds: DEFAULT_HE_SETTINGS.maxRounds, maxScoreIds: DEFAULT_HE_SETTINGS.maxScoreIds },
};

export interface EnclaveContext {
  db: Db;
  runner: Runner;
  settings: EnclaveSettings;
  log: (line: string) => void;
}
