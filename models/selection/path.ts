/** What feature selection is asked for and what it returns: the kept features and the path that led to them. */

export const SELECTION_METHODS = ['none', 'forward', 'stepwise'] as const;
export const SELECTION_CRITERIA = ['aic', 'auc'] as const;

export interface SelectionOptions {
  /** Features whose information value (scorecard WOE binning) is below this are filtered out first; 0 keeps all. */
  ivMin: number;
  /** Of two features whose representations correlate above this in absolute value, the one with the lower IV goes; 1 keeps all. */
  maxCorrelation: number;
  /** Features are dropped one at a time, highest variance inflation factor first, until none is above this; Infinity keeps all. */
  maxVif: number;
  method: (typeof SELECTION_METHODS)[number];
  /** aic: 2k - 2 log L on the fit rows; auc: AUC on a validation slice of the training rows (never the test rows). */
  criterion: (typeof SELECTION_CRITERIA)[number];
  /** Forward and stepwise selection stop at this many features. */
  maxFeatures: number;
  /** Share of the training rows held out as the validation slice when the criterion is auc. */
  validationFraction: number;
}

export const SELECTION_DEFAULTS: SelectionOptions = {
  ivMin: 0,
  maxCorrelation: 1,
  maxVif: Infinity,
  method: 'none',
  criterion: 'aic',
  maxFeatures: 20,
  validationFraction: 0.25,
};

export type SelectionMetric = 'iv' | 'correlation' | 'vif' | 'aic' | 'auc';

export interface SelectionStep {
  step: number;
  /** filter: removed before the search (IV, correlation, VIF); add / drop: a move of forward or stepwise selection. */
  action: 'add' | 'drop' | 'filter';
  feature: string;
  /** For filters, the figure that removed the feature; for add / drop, the criterion of the model after the move. */
  metric: SelectionMetric;
  value: number;
  /** The correlation filter: the feature kept in its place. */
  against?: string;
}

export interface SelectionResult {
  /** Kept features, in the frame's order for `none`, in the order they were added otherwise. */
  features: string[];
  path: SelectionStep[];
  /** The criterion of the intercept-only model, where the search started (forward and stepwise only). */
  start?: { metric: SelectionMetric; value: number };
  /** Criterion auc: the validation slice's class counts (the enclave decides on them whether AUC figures may leave; never released). */
  validation?: { positive: number; negative: number };
}
