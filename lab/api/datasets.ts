/** Platform datasets as the API describes them (`/v1/datasets`): schema, policy and k-safe aggregates, never rows. */
import type { ColumnInfo } from '../spec/policy';

export interface DatasetMeta {
  name: string;
  idColumn: string;
  columns: ColumnInfo[];
  rows: number;
  k: number;
  /** Joint training uses only the bank's customers that granted it a training consent. */
  requireTrainingConsent: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A column's figures where at least k rows stand behind each (null where fewer do). */
export type ColumnAggregate =
  | { name: string; type: 'numeric'; present: number | null; missing: number | null; mean: number | null; sd: number | null }
  | { name: string; type: 'categorical'; present: number | null; missing: number | null; levels: { level: string; count: number }[]; otherLevels: number | null };

/** `GET /v1/datasets/:name`. */
export interface DatasetDetail extends DatasetMeta {
  aggregates: ColumnAggregate[];
}

/** `GET /v1/datasets`. */
export interface DatasetList {
  datasets: DatasetMeta[];
}
