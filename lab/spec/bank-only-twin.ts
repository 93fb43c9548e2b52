/** Which job is a joint job's bank-only counterpart: one rule, shared by the enclave's report and the CLI's `job results`. */
import type { JobSpec } from './job-spec';

/** Whether `other` is the bank-only counterpart of the joint spec `joint`: same upload and label, no platform columns. */
export function isBankOnlyTwin(joint: JobSpec, other: JobSpec): boolean {
  if (!joint.platform || !joint.bank) return false;
  return !other.platform && other.bank?.upload === joint.bank.upload && other.label === joint.label;
}

/** States whose jobs carry checked results a comparison can read. */
export const COMPARABLE_STATES: readonly string[] = ['released', 'withheld'];
