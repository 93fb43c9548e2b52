/** The answer of GET /v1/datasets/{name}/usage: how a platform dataset's columns were used, for the steward to pass on to data providers. */

export interface ColumnUsage {
  column: string;
  policy: string;
  /** Trained jobs that used the column; null when fewer than k. */
  jobs: number | null;
  /** Banks behind those jobs; null when fewer than k. */
  banks: number | null;
  /** Mean information value over released scorecards that binned the column; null when none, or when their banks are too few to show. */
  iv: number | null;
  /** The column's share of the test-AUC lift of released joint models over their bank-only twins (shares sum to 1); null as for iv. */
  liftShare: number | null;
  /** AUC points of lift attributed to the column, summed over those models. */
  liftAuc: number | null;
}

export interface DatasetUsage {
  dataset: string;
  /** The period, as asked (ISO dates, `from` included, `to` excluded); null for open ends. */
  from: string | null;
  to: string | null;
  k: number;
  /** Fewest banks behind an IV or lift figure: fewer, and the figure would describe one bank's model. */
  minBanks: number;
  jobs: number | null;
  banks: number | null;
  /** Released joint models whose lift over a bank-only twin was attributed, and their mean test-AUC lift. */
  lift: { models: number; meanAuc: number } | null;
  columns: ColumnUsage[];
}
