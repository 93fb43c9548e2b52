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
  /** The latest snapshot's version: 1 at the first import, one more at each import of the same name. */
  snapshot: number;
  createdAt: string;
  updatedAt: string;
}

/** One import of a dataset's name. Jobs train and score on the latest; the stability monitor compares two. */
export interface DatasetSnapshot {
  version: number;
  importedAt: string;
  /** Rows under the disclosure rule: rounded, null under k. */
  rows: number | null;
  latest: boolean;
}

/** `GET /v1/datasets/:name/snapshots`. */
export interface SnapshotList {
  dataset: string;
  snapshots: DatasetSnapshot[];
}

/** A column's figures where at least k rows stand behind each (null where fewer do). */
export type ColumnAggregate =
  | { name: string; type: 'numeric'; present: number | null; missing: number | null; mean: number | null; sd: number | null }
  | { name: string; type: 'categorical'; present: number | null; missing: number | null; levels: { level: string; count: number }[]; otherLevels: number | null };

/** `GET /v1/datasets/:name`. */
export interface DatasetDetail extends DatasetMeta {
  aggregates: ColumnAggregate[];
  snapshots: DatasetSnapshot[];
}

/** `GET /v1/datasets`. */
export interface DatasetList {
  datasets: DatasetMeta[];
}
