/** The job lifecycle: the one table of allowed moves, from which the state type is derived. */

export const TRANSITIONS = {
  submitted: ['approved', 'rejected'],
  // failed: a network job another province refused before this one answered a round.
  approved: ['running', 'cancelled', 'failed'],
  // interrupted: a network job whose round the hub aborted (a province dropped out); the next attempt runs it again.
  running: ['succeeded', 'failed', 'cancelled', 'interrupted'],
  interrupted: ['running', 'failed', 'cancelled'],
  succeeded: ['released', 'withheld'],
  rejected: [],
  cancelled: [],
  failed: [],
  released: [],
  withheld: [],
} as const satisfies Record<string, readonly string[]>;

export type JobState = keyof typeof TRANSITIONS;

export const JOB_STATES = Object.keys(TRANSITIONS) as JobState[];

export function canMove(from: JobState, to: JobState): boolean {
  return (TRANSITIONS[from] as readonly JobState[]).includes(to);
}

export function isFinal(state: JobState): boolean {
  return TRANSITIONS[state].length === 0;
}
