/**
 * Scorecard bins on network-agreed edges, from summed counts: each numeric feature's grid histogram
 * gives quantile edges (at the grid's resolution, rounded to three significant digits like a local
 * card's), the summed counts on those edges are binned as a local card bins its rows
 * (models/binning.ts), so the same counts give the same card wherever they were added up.
 */
import { FeatureBinning, numericBinningFromCounts, categoricalBinningFromCounts, BinningOptions } from '../../models/binning';
import { GRID_CELLS, Grid, Layout } from './layout';
import type { NetworkMoments } from './encoder';

/** The grid of each numeric feature: 10 network deviations wide around the network mean. */
export function gridsOf(moments: NetworkMoments, sds: readonly number[]): Grid[] {
  return moments.numeric.map((c, m) => {
    const sd = sds[m] > 0 ? sds[m] : 1;
    return { lo: c.mean - 5 * sd, width: (10 * sd) / GRID_CELLS };
  });
}

type Cell = { good: number; bad: number };

/** Reads a grid vector into per-feature cells (good and bad per cell or level) and missing counts. */
export function readGrid(sum: Float64Array, layout: Layout): { cells: Cell[]; missing: Cell }[] {
  let at = 0;
  return layout.features.map((f) => {
    const n = f.kind === 'numeric' ? GRID_CELLS : f.levels.length;
    const cells = Array.from({ length: n }, (_, c) => ({ good: Math.round(sum[at + c]), bad: Math.round(sum[at + n + c]) }));
    const missing = { good: Math.round(sum[at + 2 * n]), bad: Math.round(sum[at + 2 * n + 1]) };
    at += 2 * n + 2;
    return { cells, missing };
  });
}

/** Quantile edges from a grid histogram: the upper boundary of the cell where each quantile falls, three significant digits, below the last occupied cell. */
export function edgesFromGrid(cells: readonly Cell[], grid: Grid, initialBins: number): number[] {
  const counts = cells.map((c) => c.good + c.bad);
  const total = counts.reduce((s, n) => s + n, 0);
  if (total === 0) return [];
  const last = counts.reduce((l, n, c) => (n > 0 ? c : l), 0);
  const top = grid.lo + (last + 1) * grid.width;
  const edges = new Set<number>();
  let cum = 0;
  let q = 1;
  for (let c = 0; c < GRID_CELLS && q < initialBins; c++) {
    cum += counts[c];
    while (q < initialBins && cum >= (q / initialBins) * total) {
      edges.add(Number((grid.lo + (c + 1) * grid.width).toPrecision(3)));
      q++;
    }
  }
  return [...edges].filter((e) => e < top).sort((a, b) => a - b);
}

/** Reads a bin-count vector into per-numeric-feature counts per bin and missing. */
export function readBinCounts(sum: Float64Array, edges: readonly (readonly number[])[]): { counts: Cell[]; missing: Cell }[] {
  let at = 0;
  return edges.map((e) => {
    const n = e.length + 1;
    const counts = Array.from({ length: n }, (_, b) => ({ good: Math.round(sum[at + b]), bad: Math.round(sum[at + n + b]) }));
    const missing = { good: Math.round(sum[at + 2 * n]), bad: Math.round(sum[at + 2 * n + 1]) };
    at += 2 * n + 2;
    return { counts, missing };
  });
}

/** Every feature's binning from the summed counts, as the local scorecard bins (merging small bins, monotonic pooling, WOE). */
export function networkBinnings(layout: Layout, rows: number, grid: ReturnType<typeof readGrid>, edges: readonly number[][], binCounts: ReturnType<typeof readBinCounts>, options: BinningOptions): FeatureBinning[] {
  let numeric = 0;
  return layout.features.map((f, j) => {
    if (f.kind === 'numeric') {
      const m = numeric++;
      const e = edges[m];
      const flag = e.length === 1 && e[0] === 0;
      return numericBinningFromCounts(f.name, e, binCounts[m].counts, binCounts[m].missing, rows, options, flag);
    }
    const byLevel = new Map(f.levels.map((level, k) => [level, grid[j].cells[k]] as const).filter(([, c]) => c.good + c.bad > 0));
    return categoricalBinningFromCounts(f.name, byLevel, grid[j].missing, rows, options);
  });
}
