/** Scoring in the clear (`/v1/score`), the scoring rule's verdict on a model, and a dataset's scoring policy and model budget. */

/** `POST /v1/score`: scores for consented enterprises, the others refused by id with the reason. */
export interface ScoreAnswer {
  scores: { id: string; score: number; points?: number }[];
  refused: { id: string; reason: string }[];
}

export interface ScoringRule {
  /** Platform features the model must use. */
  minFeatures: number;
  /** Largest share of the platform part's score variance one feature may carry. */
  maxShare: number;
}

export interface ScoringVerdict {
  passes: boolean;
  /** Why the model may not score, in words that name features and the rule, never data values. */
  reason?: string;
  rule: ScoringRule;
  /** Platform features with their share of the platform part's score variance (two decimals), largest first. */
  features: { name: string; share: number }[];
}

export interface ScoringPolicy {
  /** Distinct models that may score one enterprise for one bank within the window. */
  modelsPerWindow: number;
  windowDays: number;
  /** Probability that a platform value is replaced by another enterprise's value of the same column. */
  noiseSwap: number;
  /** Gaussian noise added to each standardized numeric platform value, in the column's standard deviations. */
  noiseSd: number;
}

/** `GET` and `PUT /v1/scoring/policy/:dataset`. */
export interface DatasetScoringPolicy extends ScoringPolicy {
  dataset: string;
}

/**
 * How far one bank has used a dataset's model budget, as counts over enterprises (never which ones).
 * The enclave counts exactly (`Count = number`); a bank is shown counts through the disclosure rule.
 */
export interface BankBudgetCounts<Count = number | null> {
  bank: string;
  /** Distinct models that scored any enterprise in the window. */
  models: number;
  /** Enterprises scored in the window, by how many distinct models scored them. */
  byModels: { models: number; enterprises: Count }[];
  /** Enterprises that have used up the budget: further models are refused for them. */
  atLimit: Count;
}

/** `GET /v1/scoring/budget/:dataset`: a bank sees its own organization's counts, the steward every bank's. */
export interface ScoringBudget {
  dataset: string;
  policy: ScoringPolicy;
  banks: BankBudgetCounts[];
}
