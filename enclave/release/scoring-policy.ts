/**
 * The steward's scoring policy of a dataset: how many distinct models may score one enterprise for
 * one bank in a window (the model budget), and how strongly platform values are perturbed before any
 * model sees them (score noise). Kept per dataset, next to the dataset's k and column policies,
 * because both protect the values that dataset holds; datasets without a row use the defaults.
 */
import { JointlabError } from '../../lab/errors';
import type { ScoringPolicy } from '../../lab/api/scoring';

// Gaussian noise is off by default: on the shared data it leaves counts and grades decodable (rounded away) while
// pushing values across scorecard bin edges (bench/scoring-noise.ts); the replacement bounds every column.
export const DEFAULT_SCORING_POLICY: ScoringPolicy = { modelsPerWindow: 2, windowDays: 30, noiseSwap: 0.25, noiseSd: 0 };

/** Checks a (partial) policy the steward sends; each setting has a documented range. */
export function assertScoringPolicy(update: Record<string, unknown>): Partial<ScoringPolicy> {
  const out: Partial<ScoringPolicy> = {};
  const bad = (why: string): never => {
    throw new JointlabError('bad_scoring_policy', why, 'usage');
  };
  for (const key of Object.keys(update)) if (!(key in DEFAULT_SCORING_POLICY)) bad(`unknown setting "${key}"; settings are ${Object.keys(DEFAULT_SCORING_POLICY).join(', ')}`);
  const number = (key: keyof ScoringPolicy, lo: number, hi: number, integer: boolean): void => {
    const v = update[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) bad(`${key} must be ${integer ? 'a whole number' : 'a number'} from ${lo} to ${hi}`);
    out[key] = v as number;
  };
  number('modelsPerWindow', 1, 100, true);
  number('windowDays', 1, 3650, true);
  number('noiseSwap', 0, 0.9, false);
  number('noiseSd', 0, 5, false);
  return out;
}
