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

/** Scorecard binning: each numeric feature's histogram on a fixed grid of this many cells, placed from the network's mean and deviation. */
export const GRID_CELLS = 256;

/** A fixed grid: cell c holds lo + c * width <= x < lo + (c + 1) * width; values beyond either end fall in the end cells. */
export interface Grid {
  lo: number;
  width: number;
}

/** Per numeric feature: good then bad count per grid cell, then missing good and bad; per categorical: good then bad per level, then missing good and bad. */
export function gridLength(layout: Layout): number {
  return layout.features.reduce((s, f) => s + 2 * (f.kind === 'numeric' ? GRID_CELLS : f.levels.length) + 2, 0);
}

/** Per numeric feature: good then bad count per bin of its agreed edges (edges.length + 1 bins), then missing good and bad. */
export function binCountsLength(edges: readonly (readonly number[])[]): number {
  return edges.reduce((s, e) => s + 2 * (e.length + 1) + 2, 0);
}
