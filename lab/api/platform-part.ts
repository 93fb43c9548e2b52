/** The enclave's answer to a request for the platform part of a joint model's score (POST /v1/score with "part": "platform"). */
import type { PartUnit } from '../model-parts';

export interface PlatformPartAnswer {
  job: string;
  part: 'platform';
  /** Log-odds of default (logistic regression) or scorecard points (higher is safer). */
  unit: PartUnit;
  /** The model's platform features whose contribution the values sum, in the model's order. */
  features: string[];
  /** Per consented applicant: the platform features' contribution, without the intercept or base points, rounded as scores are. */
  parts: { id: string; value: number }[];
  refused: { id: string; reason: string }[];
}
