/**
 * Population stability: how far a column (or a model's score) moved between a baseline and a current
 * population, as PSI = sum over bins of (a - e) ln(a / e) on the shares e (baseline) and a (current).
 * Numbers are cut at the baseline's quantiles, categories by level, missing values in a bin of their
 * own; adjacent bins are pooled until each holds at least `minCount` rows in both populations, so
 * that a released index and its bins never stand for fewer than k rows.
 */
import { Column, ModelInputError } from './frame';
import { binOf } from './metrics';

/** The usual reading: under 0.1 stable, from 0.1 worth watching, from 0.25 a shift (stable < 0.1 <= watch < 0.25 <= shift). */
export const STABILITY_THRESHOLDS = { watch: 0.1, shift: 0.25 } as const;

export type StabilityLevel = 'stable' | 'watch' | 'shift';

export interface StabilityBin {
  label: string;
  baseline: number;
  current: number;
  /** (a - e) ln(a / e) of this bin. */
  contribution: number;
}

export interface Stability {
  index: number;
  level: StabilityLevel;
  bins: StabilityBin[];
}

export interface StabilityOptions {
  /** Quantile bins of the baseline's numbers before pooling. */
  bins: number;
  /** Fewest rows a bin may hold in either population (the enclave would pass its k). */
  minCount: number;
  /** Share given to an empty bin so the log stays finite. */
  floor: number;
}

export const STABILITY_DEFAULTS: StabilityOptions = { bins: 10, minCount: 0, floor: 1e-4 };

export const levelOf = (index: number): StabilityLevel => (index >= STABILITY_THRESHOLDS.shift ? 'shift' : index >= STABILITY_THRESHOLDS.watch ? 'watch' : 'stable');

/** A bin's rows (or noisy counts, in the enclave) in the baseline and the current population. */
export interface Tally {
  label: string;
  baseline: number;
  current: number;
}

/** How two bins become one: the plain sum of their rows, or (in the enclave) one that also carries who is in them. */
export type Join<T extends Tally> = (a: T, b: T) => T;

/** Adjacent bins merged, left to right, until each holds `min` rows on both sides (the last joins its neighbour). */
export function pooled<T extends Tally>(bins: T[], min: number, join: Join<T> = merge as unknown as Join<T>): T[] {
  const out: T[] = [];
  for (const b of bins) {
    const last = out[out.length - 1];
    if (last && (last.baseline < min || last.current < min)) out[out.length - 1] = join(last, b);
    else out.push({ ...b });
  }
  while (out.length > 1 && (out[out.length - 1].baseline < min || out[out.length - 1].current < min)) {
    const tail = out.pop()!;
    out[out.length - 1] = join(out[out.length - 1], tail);
  }
  return out;
}

export function merge(a: Tally, b: Tally): Tally {
  return { label: joinLabels(a.label, b.label), baseline: a.baseline + b.baseline, current: a.current + b.current };
}

/** Two ranges "(x, y]" and "(y, z]" read "(x, z]"; anything else is listed. */
function joinLabels(a: string, b: string): string {
  const left = /^\((.+), (.+)\]$/.exec(a);
  const right = /^\((.+), (.+)\]$/.exec(b);
  if (left && right && left[2] === right[1]) return `(${left[1]}, ${right[2]}]`;
  return `${a} + ${b}`;
}

/** A bin's share of its population: what PSI compares. */
export const shareOf = (count: number, total: number): number => (total ? count / total : 0);

/** One bin's (a - e) ln(a / e) on the shares e (baseline) and a (current), each at least `floor`. */
export function contribution(e: number, a: number, floor = STABILITY_DEFAULTS.floor): number {
  const ef = Math.max(e, floor);
  const af = Math.max(a, floor);
  return (af - ef) * Math.log(af / ef);
}

/** The index of bins from their counts on both sides. */
export function stabilityOf(bins: Tally[], floor = STABILITY_DEFAULTS.floor): Stability {
  const totalBaseline = bins.reduce((s, b) => s + b.baseline, 0);
  const totalCurrent = bins.reduce((s, b) => s + b.current, 0);
  const out = bins.map((b) => ({ label: b.label, baseline: b.baseline, current: b.current, contribution: contribution(shareOf(b.baseline, totalBaseline), shareOf(b.current, totalCurrent), floor) }));
  const value = out.reduce((s, b) => s + b.contribution, 0);
  return { index: value, level: levelOf(value), bins: out };
}

const index = (bins: Tally[], options: StabilityOptions): Stability => stabilityOf(bins, options.floor);

const fmt = (x: number): string => String(Number(x.toPrecision(3)));

/** The label of the range (lower, upper] between two cut points; undefined ends are infinite. */
export function rangeLabel(lower: number | undefined, upper: number | undefined): string {
  return `(${lower === undefined ? '-inf' : fmt(lower)}, ${upper === undefined ? 'inf' : fmt(upper)}]`;
}

/**
 * Cut points at the baseline's quantiles (distinct, three significant digits, as bin edges are
 * released). `shift` moves the position each quantile is read at, by whole rows (the enclave jitters
 * it so that one enterprise crossing a quantile does not move an edge).
 */
export function quantileCuts(values: number[], bins: number, shift: (q: number) => number = () => 0): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let q = 1; q < bins; q++) {
    const at = Math.floor((q * sorted.length) / bins) + shift(q);
    const v = Number(sorted[Math.max(0, Math.min(sorted.length - 1, at))].toPrecision(3));
    if (!cuts.length || v > cuts[cuts.length - 1]) cuts.push(v);
  }
  return cuts.filter((c) => c < sorted[sorted.length - 1]);
}

export function numericStability(baseline: ArrayLike<number>, current: ArrayLike<number>, options: Partial<StabilityOptions> = {}): Stability {
  const o = { ...STABILITY_DEFAULTS, ...options };
  const present = Array.from(baseline).filter((v) => !Number.isNaN(v));
  const cuts = present.length ? quantileCuts(present, o.bins) : [];
  const bins: Tally[] = [...cuts, Infinity].map((upper, i) => ({ label: rangeLabel(i ? cuts[i - 1] : undefined, upper === Infinity ? undefined : upper), baseline: 0, current: 0 }));
  const missing: Tally = { label: 'missing', baseline: 0, current: 0 };
  const place = (v: number, side: 'baseline' | 'current'): void => {
    if (Number.isNaN(v)) {
      missing[side]++;
      return;
    }
    bins[binOf(v, cuts)][side]++;
  };
  for (let i = 0; i < baseline.length; i++) place(baseline[i], 'baseline');
  for (let i = 0; i < current.length; i++) place(current[i], 'current');
  return index(pooledRanges(bins, missing.baseline + missing.current > 0 ? missing : undefined, o.minCount), o);
}

/** Numeric ranges pooled to `min` on both sides, with the missing values' bin (when given) first, or in the first range when it is too small. */
export function pooledRanges<T extends Tally>(ranges: T[], missing: T | undefined, min: number, join: Join<T> = merge as unknown as Join<T>): T[] {
  const out = pooled(ranges, min, join);
  // A missing bin too small on either side joins the first range rather than standing alone.
  if (missing) {
    if (missing.baseline >= min && missing.current >= min) out.unshift({ ...missing });
    else out[0] = join(missing, out[0]);
  }
  return out;
}

/**
 * Category levels, most frequent in the baseline first; those under `min` on either side pooled into
 * "other" (`other`, when given, is pooled there too), which joins the smallest kept level if it is itself too small.
 */
export function pooledLevels<T extends Tally>(levels: T[], min: number, join: Join<T> = merge as unknown as Join<T>, other?: T): T[] {
  const sorted = [...levels].sort((a, b) => b.baseline - a.baseline || (a.label < b.label ? -1 : 1));
  const kept = sorted.filter((t) => t.baseline >= min && t.current >= min);
  const rest = [...sorted.filter((t) => !kept.includes(t)), ...(other ? [other] : [])];
  if (rest.length) {
    const pooledRest = { ...rest.reduce((s, t) => join(s, t)), label: 'other' };
    if ((pooledRest.baseline < min || pooledRest.current < min) && kept.length) kept[kept.length - 1] = join(kept[kept.length - 1], pooledRest);
    else kept.push(pooledRest);
  }
  return kept;
}

export function categoricalStability(baseline: readonly (string | null)[], current: readonly (string | null)[], options: Partial<StabilityOptions> = {}): Stability {
  const o = { ...STABILITY_DEFAULTS, ...options };
  const tally = new Map<string, Tally>();
  const add = (v: string | null, side: 'baseline' | 'current'): void => {
    const label = v ?? 'missing';
    const t = tally.get(label) ?? { label, baseline: 0, current: 0 };
    t[side]++;
    tally.set(label, t);
  };
  baseline.forEach((v) => add(v, 'baseline'));
  current.forEach((v) => add(v, 'current'));
  return index(pooledLevels([...tally.values()], o.minCount), o);
}

export function columnStability(baseline: Column, current: Column, options: Partial<StabilityOptions> = {}): Stability {
  if (baseline.kind === 'numeric' && current.kind === 'numeric') return numericStability(baseline.values, current.values, options);
  if (baseline.kind === 'categorical' && current.kind === 'categorical') return categoricalStability(baseline.values, current.values, options);
  throw new ModelInputError(`column "${baseline.name}" is ${baseline.kind} in the baseline and ${current.kind} in the current rows`);
}
