/**
 * The steward's scoring policy of a dataset: how many distinct models may score one enterprise for
 * one bank in a window (the model budget), and how strongly platform values are perturbed before any
 * model sees them (score noise). Kept per dataset, next to the dataset's k and column policies,
 * because both protect the values that dataset holds; datasets without a row use the defaults.
 */
import type { ScoringPolicy } from '../../lab/api/scoring';

// Gaussian noise is off by default: on the shared data it leaves counts and grades decodable (rounded away) while
// pushing values across scorecard bin edges (bench/scoring-noise.ts); the replacement bounds every column.
export const DEFAULT_SCORING_POLICY: ScoringPolicy = { modelsPerWindow: 2, windowDays: 30, noiseSwap: 0.25, noiseSd: 0 };
