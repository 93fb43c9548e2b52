/**
 * Seconds the enclave spends in each step of private scoring, summed over requests: the benchmark's
 * breakdown reads them. `noise` runs inside `basis` (for enterprises a session has not scored yet).
 */

export const SCORING_STEPS = ['session', 'consent', 'rows', 'quota', 'budget', 'noise', 'basis', 'seal', 'store'] as const;
export type ScoringStep = (typeof SCORING_STEPS)[number];

const seconds: Record<ScoringStep, number> = Object.fromEntries(SCORING_STEPS.map((s) => [s, 0])) as Record<ScoringStep, number>;
let requests = 0;

/** Runs `work`, adding its wall time to `step` (with requests in flight at once, steps of different requests overlap). */
export async function timed<T>(step: ScoringStep, work: () => Promise<T> | T): Promise<T> {
  const started = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    seconds[step] += Number(process.hrtime.bigint() - started) / 1e9;
  }
}

export function countScoringRequest(): void {
  requests++;
}

/** The sums so far and the requests they cover; `reset` starts them again from zero. */
export function scoringSteps(reset = false): { requests: number; seconds: Record<ScoringStep, number> } {
  const out = { requests, seconds: { ...seconds } };
  if (reset) {
    for (const s of SCORING_STEPS) seconds[s] = 0;
    requests = 0;
  }
  return out;
}
