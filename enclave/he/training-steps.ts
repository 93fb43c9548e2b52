/**
 * Seconds the enclave spends in each step of encrypted-label training, summed over sessions: the
 * benchmark's breakdown reads them. `keys` (a SEAL worker checks the keys) and `design` (the plaintext
 * design, in the main thread) run at the same time, so a session's opening takes about the larger;
 * `store` writes the session, `zeros` waits for the labels' encryptions of zero made since the opening,
 * `xty` and `round` wait for SEAL workers, `totals` stores
 * Enc(X^T y), `pieces` computes a round's Hessian, gradient and noise in the clear.
 */

export const TRAINING_STEPS = ['keys', 'design', 'store', 'zeros', 'xty', 'totals', 'pieces', 'round'] as const;
export type TrainingStep = (typeof TRAINING_STEPS)[number];

const seconds: Record<TrainingStep, number> = Object.fromEntries(TRAINING_STEPS.map((s) => [s, 0])) as Record<TrainingStep, number>;

/** Runs `work`, adding its wall time to `step` (`none`: not counted, for the same code run by private scoring). */
export async function trainingTimed<T>(step: TrainingStep | 'none', work: () => Promise<T> | T): Promise<T> {
  if (step === 'none') return work();
  const started = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    seconds[step] += Number(process.hrtime.bigint() - started) / 1e9;
  }
}

/** Adds the wall time since `started` (process.hrtime.bigint()) to `step`, for work done in the clear without a promise. */
export function addTrainingSeconds(step: TrainingStep, started: bigint): void {
  seconds[step] += Number(process.hrtime.bigint() - started) / 1e9;
}

/** The sums so far; `reset` starts them again from zero. */
export function trainingSteps(reset = false): Record<TrainingStep, number> {
  const out = { ...seconds };
  if (reset) for (const s of TRAINING_STEPS) seconds[s] = 0;
  return out;
}
