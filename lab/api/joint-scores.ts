/** Full scores of applicants with a joint model (`POST /v1/jobs/:id/applicants`, and the CLI's own joint scoring): bank part plus platform part. */
import type { ModelParts } from '../model-parts';

export interface JointScore {
  id: string;
  /** Probability of default. */
  score: number;
  /** Scorecard points, for scorecards. */
  points?: number;
  /** The two parts in the model's unit (log-odds or points); the bank part holds the intercept or base points. */
  bankPart: number;
  platformPart: number;
}

export interface JointScores {
  job: string;
  kind: ModelParts['kind'];
  unit: ModelParts['unit'];
  bankFeatures: string[];
  platformFeatures: string[];
  scores: JointScore[];
  refused: { id: string; reason: string }[];
}
