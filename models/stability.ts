/**
 * Population stability: how far a column (or a model's score) moved between a baseline and a current
 * population, as PSI = sum over bins of (a - e) ln(a / e) on the shares e (baseline) and a (current).
 * Numbers are cut at the baseline's quantiles, categories by level, missing values in a bin of their
 * own; adjacent bins are pooled until each holds at least `minCount` rows in both populations, so
 * that a released index and its bins never stand for fewer than k rows.
 */
import { Column, ModelInputError } from './frame';
import { binOf } from './metrics';

/** The usual reading: under 0.1 stable, 0.1 to 0.25 worth watching, above 0.25 a shift. */
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

export const levelOf = (index: number): StabilityLevel => (index > STABILITY_THRESHOLDS.shift ? 'shift' : index >= STABILITY_THRESHOLDS.watch ? 'watch' : 'stable');

interface Tally {
  label: string;
  baseline: number;
  current: number;
}

/** Adjacent bins merged, left to right, until each holds `min` rows on both sides (the last joins its neighbour). */
function pooled(bins: Tally[], min: number): Tally[] {
  const out: Tally[] = [];
  for (const b of bins) {
    const last = out[out.length - 1];
    if (last && (last.baseline < min || last.current < min)) out[out.length - 1] = merge(last, b);
    else out.push({ ...b });
  }
  while (out.length > 1 && (out[out.length - 1].baseline < min || out[out.length - 1].current < min)) {
    const tail = out.pop()!;
    out[out.length - 1] = merge(out[out.length - 1], tail);
  }
  return out;
}

function merge(a: Tally, b: Tally): Tally {
  return { label: joinLabels(a.label, b.label), baseline: a.baseline + b.baseline, current: a.current + b.current };
}

/** Two ranges "(x, y]" and "(y, z]" read "(x, z]"; anything else is listed. */
function joinLabels(a: string, b: string): string {
  const left = /^\((.+), (.+)\]$/.exec(a);
  const right = /^\((.+), (.+)\]$/.exec(b);
  if (left && right && left[2] === right[1]) return `(${left[1]}, ${right[2]}]`;
  return `${a} + ${b}`;
}

function index(bins: Tally[], options: StabilityOptions): Stability {
  const totalBaseline = bins.reduce((s, b) => s + b.baseline, 0);
  const totalCurrent = bins.reduce((s, b) => s + b.current, 0);
  const out = bins.map((b) => {
    const e = Math.max(totalBaseline ? b.baseline / totalBaseline : 0, options.floor);
    const a = Math.max(totalCurrent ? b.current / totalCurrent : 0, options.floor);
    return { label: b.label, baseline: b.baseline, current: b.current, contribution: (a - e) * Math.log(a / e) };
  });
  const value = out.reduce((s, b) => s + b.contribution, 0);
  return { index: value, level: levelOf(value), bins: out };
}

const fmt = (x: number): string => String(Number(x.toPrecision(3)));

/** Cut points at the baseline's quantiles (distinct, three significant digits, as bin edges are released). */
function cutPoints(values: number[], bins: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let q = 1; q < bins; q++) {
    const v = Number(sorted[Math.min(sorted.length - 1, Math.floor((q * sorted.length) / bins))].toPrecision(3));
    if (!cuts.length || v > cuts[cuts.length - 1]) cuts.push(v);
  }
  return cuts.filter((c) => c < sorted[sorted.length - 1]);
}

export function numericStability(baseline: ArrayLike<number>, current: ArrayLike<number>, options: Partial<StabilityOptions> = {}): Stability {
  const o = { ...STABILITY_DEFAULTS, ...options };
  const present = Array.from(baseline).filter((v) => !Number.isNaN(v));
  const cuts = present.length ? cutPoints(present, o.bins) : [];
  const bins: Tally[] = [...cuts, Infinity].map((upper, i) => ({ label: `(${i ? fmt(cuts[i - 1]) : '-inf'}, ${upper === Infinity ? 'inf' : fmt(upper)}]`, baseline: 0, current: 0 }));
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
  const ranges = pooled(bins, o.minCount);
  // A missing bin too small on either side joins the first range rather than standing alone.
  if (missing.baseline + missing.current > 0) {
    if (missing.baseline >= o.minCount && missing.current >= o.minCount) ranges.unshift(missing);
    else ranges[0] = merge(missing, ranges[0]);
  }
  return index(ranges, o);
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
  const levels = [...tally.values()].sort((a, b) => b.baseline - a.baseline || (a.label < b.label ? -1 : 1));
  // Levels too small on either side are pooled into "other", which joins the smallest kept level if it is itself too small.
  const kept = levels.filter((t) => t.baseline >= o.minCount && t.current >= o.minCount);
  const rest = levels.filter((t) => !kept.includes(t));
  if (rest.length) {
    const other = rest.reduce((s, t) => ({ label: 'other', baseline: s.baseline + t.baseline, current: s.current + t.current }), { label: 'other', baseline: 0, current: 0 });
    if ((other.baseline < o.minCount || other.current < o.minCount) && kept.length) kept[kept.length - 1] = merge(kept[kept.length - 1], other);
    else kept.push(other);
  }
  return index(kept, o);
}

export function columnStability(baseline: Column, current: Column, options: Partial<StabilityOptions> = {}): Stability {
  if (baseline.kind === 'numeric' && current.kind === 'numeric') return numericStability(baseline.values, current.values, options);
  if (baseline.kind === 'categorical' && current.kind === 'categorical') return categoricalStability(baseline.values, current.values, options);
  throw new ModelInputError(`column "${baseline.name}" is ${baseline.kind} in the baseline and ${current.kind} in the current rows`);
}
