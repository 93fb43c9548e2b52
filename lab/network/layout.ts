/** Which features a network job's statistics cover, in order, and how long each phase's vector is. */

export type LayoutFeature = { name: string; kind: 'numeric' } | { name: string; kind: 'categorical'; levels: string[] };

/** Features in design order: the bank's columns, then the platform's (as local training orders them). */
export interface Layout {
  features: LayoutFeature[];
}

/** rows and positives in train and test, then per feature: numeric count and sum, or one count per agreed level. */
export const MOMENT_HEADER = 4;

export function momentsLength(layout: Layout): number {
  return MOMENT_HEADER + layout.features.reduce((s, f) => s + (f.kind === 'numeric' ? 2 : f.levels.length), 0);
}

export function numericFeatures(layout: Layout): string[] {
  return layout.features.filter((f) => f.kind === 'numeric').map((f) => f.name);
}

/** The Newton phase: the upper triangle of X^T W X (D(D+1)/2), X^T (p - y) (D), the log-loss (1). */
export function newtonLength(width: number): number {
  const D = width + 1;
  return (D * (D + 1)) / 2 + D + 1;
}

/** Bins of the predicted probability on [0, 1] for the test ROC: fine enough that the AUC agrees with the exact one to about 1e-5. */
export const SCORE_BINS = 65_536;
