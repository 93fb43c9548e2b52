/**
 * Supervised binning for scorecards: quantile bins to start, small bins merged away, then adjacent
 * bins pooled until the default rate (and so the WOE) is monotonic; missing values get their own bin.
 */
import { CategoricalColumn, NumericColumn } from './frame';
import { binOf, quantileEdges } from './metrics';

export interface Bin {
  /** Human-readable range or level list, e.g. "(1.5, 3]" or "A, B" or "missing". */
  label: string;
  count: number;
  bad: number;
  woe: number;
  /** Set when the bin stands for fewer than `minBinCount` rows: its WOE is held at 0 so it says nothing about them. */
  noEvidence?: true;
}

export interface NumericBinning {
  kind: 'numeric';
  name: string;
  /** Upper bounds of every bin but the last (bin i holds edges[i-1] < x <= edges[i]). */
  edges: number[];
  bins: Bin[];
  missing: Bin;
  iv: number;
}

export interface CategoricalBinning {
  kind: 'categorical';
  name: string;
  /** [level, bin index] pairs; levels not seen in training go to the "other" bin. A list, not an object, so no level can collide with a property name. */
  levelBins: [string, number][];
  otherBin: number;
  bins: Bin[];
  missing: Bin;
  iv: number;
}

export type FeatureBinning = NumericBinning | CategoricalBinning;

export interface BinningOptions {
  initialBins: number;
  /** Bins (other than the missing bin) smaller than this share of the rows are merged into a neighbour. */
  minBinShare: number;
  /**
   * Fewest rows a bin may stand for (the enclave passes its k). Smaller range bins are merged into a
   * neighbour; a smaller missing or "other" bin, which has no neighbour, gets WOE 0: no evidence.
   */
  minBinCount?: number;
  monotonic: boolean;
  /**
   * Noise added to each released bin's good and bad counts before WOE is computed from them (the
   * enclave passes noise keyed to the population, so a bin's WOE does not pin its exact counts);
   * `tag` names the cell. Absent: exact counts.
   */
  countNoise?: (tag: string) => number;
  /**
   * Whether the column is a 0/1 flag, so that its two bins read "0" and "1". The enclave decides it on
   * the column's whole source; absent, it is read from the rows binned (a fact about them that one row
   * can change, which the enclave does not release).
   */
  isFlag?: boolean;
}

/** A cell's counts with the caller's noise, whole and never negative. */
function perturbed<T extends { good: number; bad: number }>(cell: T, tag: string, noise?: (tag: string) => number): T {
  if (!noise) return cell;
  return { ...cell, good: Math.max(0, Math.round(cell.good + noise(`${tag}:good`))), bad: Math.max(0, Math.round(cell.bad + noise(`${tag}:bad`))) };
}

interface Block {
  good: number;
  bad: number;
  upper: number;
}

const badRate = (b: { good: number; bad: number }): number => b.bad / Math.max(b.good + b.bad, 1);

function mergeInto(target: { good: number; bad: number }, source: { good: number; bad: number }): void {
  target.good += source.good;
  target.bad += source.bad;
}

/** Merges each block below `minCount` into the neighbour whose default rate is closest. */
function mergeSmall(blocks: Block[], minCount: number): Block[] {
  const out = blocks.map((b) => ({ ...b }));
  for (;;) {
    if (out.length <= 1) return out;
    let smallest = -1;
    for (let i = 0; i < out.length; i++) {
      const n = out[i].good + out[i].bad;
      if (n < minCount && (smallest < 0 || n < out[smallest].good + out[smallest].bad)) smallest = i;
    }
    if (smallest < 0) return out;
    const left = smallest - 1;
    const right = smallest + 1;
    const rate = badRate(out[smallest]);
    const useLeft =
      right >= out.length || (left >= 0 && Math.abs(badRate(out[left]) - rate) <= Math.abs(badRate(out[right]) - rate));
    if (useLeft) {
      mergeInto(out[left], out[smallest]);
      out[left].upper = out[smallest].upper;
      out.splice(smallest, 1);
    } else {
      mergeInto(out[right], out[smallest]);
      out.splice(smallest, 1);
    }
  }
}

/** Pool-adjacent-violators: the coarsest merge of neighbours that makes the default rate monotonic. */
function poolToMonotonic(blocks: Block[], increasing: boolean): Block[] {
  const stack: Block[] = [];
  for (const b of blocks) {
    stack.push({ ...b });
    while (stack.length > 1) {
      const top = stack[stack.length - 1];
      const below = stack[stack.length - 2];
      const ok = increasing ? badRate(below) <= badRate(top) : badRate(below) >= badRate(top);
      if (ok) break;
      mergeInto(below, top);
      below.upper = top.upper;
      stack.pop();
    }
  }
  return stack;
}

/** WOE and IV with a 0.5 count added to every cell, so empty cells stay finite. */
export function weightOfEvidence(cells: { good: number; bad: number }[]): { woe: number[]; iv: number } {
  let goodTotal = 0;
  let badTotal = 0;
  for (const c of cells) {
    goodTotal += c.good + 0.5;
    badTotal += c.bad + 0.5;
  }
  let iv = 0;
  const woe = cells.map((c) => {
    const g = (c.good + 0.5) / goodTotal;
    const b = (c.bad + 0.5) / badTotal;
    const w = Math.log(g / b);
    iv += (g - b) * w;
    return w;
  });
  return { woe, iv };
}

function formatBound(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, '');
}

function blocksToBins(blocks: Block[], missing: { good: number; bad: number }, minBinCount = 0): { bins: Bin[]; missing: Bin; iv: number } {
  // An empty missing bin would get a made-up WOE, a tiny one would describe a handful of enterprises:
  // both are kept at 0 (no evidence) and left out of the IV.
  const missingCount = missing.good + missing.bad;
  const hasMissing = missingCount > 0 && missingCount >= minBinCount;
  const cells = hasMissing ? [...blocks, missing] : blocks;
  const { woe, iv } = weightOfEvidence(cells);
  const bins = blocks.map((b, i) => ({
    label: `${i === 0 ? '(-inf' : `(${formatBound(blocks[i - 1].upper)}`}, ${i === blocks.length - 1 ? 'inf)' : `${formatBound(b.upper)}]`}`,
    count: b.good + b.bad,
    bad: b.bad,
    woe: woe[i],
  }));
  const missingBin: Bin = { label: 'missing', count: missingCount, bad: missing.bad, woe: hasMissing ? woe[blocks.length] : 0 };
  if (missingCount > 0 && !hasMissing) missingBin.noEvidence = true;
  return { bins, missing: missingBin, iv };
}

export function binNumeric(column: NumericColumn, labels: Uint8Array, options: BinningOptions): NumericBinning {
  const present: number[] = [];
  const missing = { good: 0, bad: 0 };
  for (let i = 0; i < column.values.length; i++) {
    const v = column.values[i];
    if (Number.isNaN(v)) {
      if (labels[i]) missing.bad++;
      else missing.good++;
    } else present.push(v);
  }
  // Edges are rounded to three significant digits: a raw quantile is one enterprise's value, and a
  // released scorecard must not carry it.
  const candidate = present.length ? [...new Set(quantileEdges(present, options.initialBins).map((e) => Number(e.toPrecision(3))))] : [];
  const max = present.length ? present.reduce((a, b) => Math.max(a, b), -Infinity) : 0;
  const edges = candidate.filter((e) => e < max);
  const counts = [...edges, Infinity].map(() => ({ good: 0, bad: 0 }));
  for (let i = 0; i < column.values.length; i++) {
    const v = column.values[i];
    if (Number.isNaN(v)) continue;
    const b = counts[binOf(v, edges)];
    if (labels[i]) b.bad++;
    else b.good++;
  }
  return numericBinningFromCounts(column.name, edges, counts, missing, column.values.length, options, present.every((v) => v === 0 || v === 1));
}

/**
 * The binning of a numeric feature from good and bad counts on initial edges (bin i holds
 * edges[i-1] < x <= edges[i]) and in the missing bin, over `rows` rows in all: small bins merged,
 * monotonic pooling, WOE. Binning from rows counts them and calls this; the network sums the
 * provinces' counts on agreed edges and calls it on the sums.
 */
export function numericBinningFromCounts(name: string, edges: readonly number[], counts: readonly { good: number; bad: number }[], missing: { good: number; bad: number }, rows: number, options: BinningOptions, presentAreFlags: boolean): NumericBinning {
  const initial: Block[] = [...edges, Infinity].map((upper, i) => ({ good: counts[i].good, bad: counts[i].bad, upper }));
  const minBinCount = options.minBinCount ?? 0;
  const merged = mergeSmall(initial, Math.max(options.minBinShare * rows, minBinCount));
  let best = blocksToBins(merged, missing, minBinCount);
  let bestBlocks = merged;
  if (options.monotonic) {
    // Whichever direction keeps more information value is the feature's natural trend.
    const up = poolToMonotonic(merged, true);
    const down = poolToMonotonic(merged, false);
    const upBins = blocksToBins(up, missing, minBinCount);
    const downBins = blocksToBins(down, missing, minBinCount);
    [best, bestBlocks] = upBins.iv >= downBins.iv ? [upBins, up] : [downBins, down];
  }
  if (options.countNoise) {
    const noise = options.countNoise;
    best = blocksToBins(bestBlocks.map((b, i) => perturbed(b, `${name}:${i}`, noise)), perturbed(missing, `${name}:missing`, noise), minBinCount);
  }
  const bestEdges = bestBlocks.slice(0, -1).map((b) => b.upper);
  // A 0/1 flag split at 0 has one value per bin: "0" and "1" say so, where (-inf, 0] and (0, inf) hide it.
  const flag = options.isFlag ?? presentAreFlags;
  const bins = bestEdges.length === 1 && bestEdges[0] === 0 && flag ? best.bins.map((b, i) => ({ ...b, label: String(i) })) : best.bins;
  return {
    kind: 'numeric',
    name,
    edges: bestEdges,
    bins,
    missing: best.missing,
    iv: best.iv,
  };
}

export function binCategorical(column: CategoricalColumn, labels: Uint8Array, options: BinningOptions): CategoricalBinning {
  const byLevel = new Map<string, { good: number; bad: number }>();
  const missing = { good: 0, bad: 0 };
  column.values.forEach((v, i) => {
    const cell = v === null ? missing : byLevel.get(v) ?? byLevel.set(v, { good: 0, bad: 0 }).get(v)!;
    if (labels[i]) cell.bad++;
    else cell.good++;
  });
  return categoricalBinningFromCounts(column.name, byLevel, missing, column.values.length, options);
}

/** The binning of a categorical feature from good and bad counts per level and missing, over `rows` rows (see numericBinningFromCounts). */
export function categoricalBinningFromCounts(name: string, byLevel: ReadonlyMap<string, { good: number; bad: number }>, missingCounts: { good: number; bad: number }, rows: number, options: BinningOptions): CategoricalBinning {
  const missing = { ...missingCounts };
  const minBinCount = options.minBinCount ?? 0;
  const minCount = Math.max(options.minBinShare * rows, minBinCount);
  const other = { good: 0, bad: 0, levels: [] as string[] };
  const kept: { level: string; good: number; bad: number }[] = [];
  for (const [level, cell] of byLevel) {
    if (cell.good + cell.bad >= minCount) kept.push({ level, ...cell });
    else {
      mergeInto(other, cell);
      other.levels.push(level);
    }
  }
  kept.sort((a, b) => badRate(a) - badRate(b) || (a.level < b.level ? -1 : 1));
  const noise = options.countNoise;
  const groups = [...kept.map((k) => ({ good: k.good, bad: k.bad, levels: [k.level] })), other].map((g, i) => perturbed(g, `${name}:${i}`, noise));
  Object.assign(missing, perturbed(missing, `${name}:missing`, noise));
  const missingCount = missing.good + missing.bad;
  const hasMissing = missingCount > 0 && missingCount >= minBinCount;
  // Like the missing bin, an "other" bin too small to stand on its own carries no evidence.
  const otherCount = groups[groups.length - 1].good + groups[groups.length - 1].bad;
  const otherHasEvidence = otherCount > 0 && otherCount >= minBinCount;
  const { woe, iv } = weightOfEvidence(hasMissing ? [...groups, missing] : groups);
  const levelBins: [string, number][] = [];
  // Levels pooled into "other" are not listed: they reach it anyway, as unseen levels do.
  groups.forEach((g, i) => i !== groups.length - 1 && g.levels.forEach((level) => levelBins.push([level, i])));
  const otherBin = groups.length - 1;
  const bins: Bin[] = groups.map((g, i) => {
    const isOther = i === otherBin;
    const bin: Bin = {
      // Level names of the "other" bin stand for fewer rows each than a bin may: they are not listed.
      label: isOther ? 'other' : g.levels.join(', '),
      count: g.good + g.bad,
      bad: g.bad,
      woe: isOther && !otherHasEvidence ? 0 : woe[i],
    };
    if (isOther && otherCount > 0 && !otherHasEvidence) bin.noEvidence = true;
    return bin;
  });
  const missingBin: Bin = { label: 'missing', count: missingCount, bad: missing.bad, woe: hasMissing ? woe[groups.length] : 0 };
  if (missingCount > 0 && !hasMissing) missingBin.noEvidence = true;
  return { kind: 'categorical', name, levelBins, otherBin, bins, missing: missingBin, iv };
}

/** A function from a value (NaN or null when missing) to its bin index; -1 stands for the missing bin. */
export function binAssigner(binning: FeatureBinning): (value: number | string | null) => number {
  if (binning.kind === 'numeric') {
    const edges = binning.edges;
    return (value) => (Number.isNaN(value as number) ? -1 : binOf(value as number, edges));
  }
  const levels = new Map(binning.levelBins);
  const other = binning.otherBin;
  return (value) => (value === null ? -1 : levels.get(value as string) ?? other);
}

export function binWoe(binning: FeatureBinning, bin: number): number {
  return bin < 0 ? binning.missing.woe : binning.bins[bin].woe;
}
