/** The feature selection a job's results carry beside its parameters: kept features in order, and the path with each step's figure. */
import type { SelectionMetric, SelectionStep } from '../../models/selection/path';

export interface ReleasedSelection {
  features: string[];
  /** A figure is null when it may not leave (validation AUC on a slice with a class under k); `note` says why. */
  path: (Omit<SelectionStep, 'value'> & { value: number | null })[];
  start?: { metric: SelectionMetric; value: number | null };
  note?: string;
}

export type { SelectionMetric, SelectionStep };
