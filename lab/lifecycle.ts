/** The job lifecycle: the one table of allowed moves, from which the state type is derived. */

export const TRANSITIONS = {
  submitted: ['approved', 'rejected'],
  approved: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled'],
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
