/** What every route handler needs: the store, the job runner and the service's settings. */
import { Db } from '../store/db';
import { Runner } from '../jobs/runner';

export interface EnclaveSettings {
  /** k for bank-only jobs and new datasets unless the steward sets one. */
  defaultK: number;
  minTrainingRows: number;
  /** Largest CSV body accepted for dataset imports and bank uploads. */
  csvLimit: string;
  /** Largest JSON body. */
  jsonLimit: string;
}

export const DEFAULT_SETTINGS: EnclaveSettings = { defaultK: 10, minTrainingRows: 100, csvLimit: '64mb', jsonLimit: '256kb' };

export interface EnclaveContext {
  db: Db;
  runner: Runner;
  settings: EnclaveSettings;
  log: (line: string) => void;
}
