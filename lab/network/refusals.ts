/**
 * Which of a member's answers are refusals for good: the province's own rules on the bank's population
 * (its k on each class, the differencing control), its steward's decision, its policy on the job's data
 * and roster, and its release check on the outcome. The same job run again meets the same rule, so the
 * hub marks it `refused` with the code; anything else (a member that did not answer, a round outside the
 * current attempt's plan after a restart) only interrupts it, and running it again may succeed.
 */
const PERMANENT = new Set([
  'network_too_few_rows',
  'network_too_few_test_rows',
  'network_population_too_close',
  'network_not_approved',
  'network_outcome_refused',
  'network_roster_unpinned',
  'network_no_dataset',
  'network_no_upload',
  'network_upload_not_granted',
  'network_upload_column',
  'network_column_policy',
  'network_column_type',
  'network_column_values',
]);

export function isPermanentRefusal(code: string): boolean {
  return PERMANENT.has(code);
}
