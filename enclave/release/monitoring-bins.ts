/**
 * The disclosure rule of stability monitoring: the bins a monitor job releases, and how. Bins are the
 * base snapshot's deciles (edges read at a keyed jitter of the quantile's position, three significant
 * digits), category levels, and the missing values; each count carries keyed noise; adjacent ranges
 * are merged, and levels pooled into "other", until every bin's noisy count assures at least k rows in
 * both snapshots; only the bins' shares leave, to SHARE_DIGITS decimals, with the index computed from
 * those shares.
 *
 * Why noise, and why keyed this way. Two snapshots that differ in one enterprise's value differ by one
 * row in two bins. Shares rounded to three decimals hide that most of the time but not always: when a
 * share sits near a rounding boundary, the one row flips it, and the two flipped bins say where the
 * enterprise went. So every bin count gets Laplace noise of COUNT_NOISE rows (clamped, as other
 * released counts: population.ts), drawn from a key of the snapshot's content (its digest) and of the
 * bin's members (an order-free fingerprint of their keyed id hashes):
 * - two snapshots that differ at all draw independent noise for every bin, so the difference of their
 *   shares is about 4 rows of noise around the one row that moved (test/enclave/monitor/hostile-bank);
 * - the same snapshot and the same members always draw the same noise, whichever model, base or job
 *   asks: a lookup model whose score bins are a feature's bins gets that feature's figures again, and a
 *   bank that monitors again learns nothing new (nothing to average away);
 * - identical snapshots draw identical noise, so a snapshot against itself (or a re-import of the
 *   same data) shows PSI 0 exactly.
 * Decisions (merging, "other") are taken on the noisy counts, never the exact ones, so a bin that
 * appears or disappears does not say a count crossed k; a noisy count of at least k + COUNT_CLAMP
 * assures the exact count is at least k. The missing values' bin and the "other" bin are always formed
 * (empty ones are noise), so that their labels do not say whether one enterprise lacks a value or holds
 * a rare level. Edges are read at a position jittered by up to EDGE_JITTER rows, keyed to the base
 * snapshot, so one enterprise crossing a quantile (which moves the order statistic by one row) is lost
 * in the jitter. What is left: a bank that trains many released models with different scores gets
 * different bins with fresh noise; each costs a training and two steward approvals, which the steward
 * sees in the queue.
 */
import { createHmac } from 'node:crypto';
import { binOf } from '../../models/metrics';
import { Join, STABILITY_DEFAULTS, STABILITY_THRESHOLDS, Tally, contribution, levelOf, pooledLevels, pooledRanges, quantileCuts, rangeLabel } from '../../models/stability';
import type { ReleasedStabilityBin, StabilityFigure } from '../../lab/api/monitor';
import { COUNT_CLAMP, PopulationNoise, noisyValue } from './population';

/** Quantile bins of the base snapshot before merging: deciles. */
export const MONITOR_BINS = 10;
/** Released shares carry this many decimals. */
export const SHARE_DIGITS = 3;
/** Released indices (PSI, CSI and each bin's contribution) carry this many decimals. */
export const INDEX_DIGITS = 4;
/** The position a quantile edge is read at moves by up to this many rows, keyed to the base snapshot. */
export const EDGE_JITTER = COUNT_CLAMP;
/** Bytes of an enterprise's keyed hash in a bin's fingerprint. */
const MEMBER_BYTES = 16;

/** One snapshot as the rule sees it: its rows' keyed id hashes and the noise keyed to its content. */
export interface MonitoredSide {
  members: Buffer[];
  noise: PopulationNoise;
}

/** Keyed hashes of a snapshot's enterprise ids, in row order: the bins' fingerprints are built from them. */
export function memberHashes(key: Buffer, ids: readonly string[]): Buffer[] {
  return ids.map((id) => createHmac('sha256', key).update(id).digest().subarray(0, MEMBER_BYTES));
}

/** A bin inside the enclave: exact counts and members' fingerprint on each side; `baseline` and `current` hold the noisy counts decisions are taken on. */
interface SecretBin extends Tally {
  exact: [number, number];
  print: [Buffer, Buffer];
}

const xor = (a: Buffer, b: Buffer): Buffer => {
  const out = Buffer.alloc(MEMBER_BYTES);
  for (let i = 0; i < MEMBER_BYTES; i++) out[i] = a[i] ^ b[i];
  return out;
};

/** A count plus its noise, drawn from the side's key and the bin's members: the same members in the same snapshot always draw the same. */
function noisy(side: MonitoredSide, exact: number, print: Buffer): number {
  return noisyValue(exact, side.noise.uniform(`monitor-bin\u0000${print.toString('hex')}`));
}

function binMaker(sides: [MonitoredSide, MonitoredSide]): { empty: (label: string) => SecretBin; add: (bin: SecretBin, side: 0 | 1, row: number) => void; seal: (bin: SecretBin) => SecretBin; join: Join<SecretBin> } {
  const seal = (bin: SecretBin): SecretBin => ({ ...bin, baseline: noisy(sides[0], bin.exact[0], bin.print[0]), current: noisy(sides[1], bin.exact[1], bin.print[1]) });
  return {
    empty: (label) => ({ label, baseline: 0, current: 0, exact: [0, 0], print: [Buffer.alloc(MEMBER_BYTES), Buffer.alloc(MEMBER_BYTES)] }),
    add(bin, side, row) {
      bin.exact[side]++;
      bin.print[side] = xor(bin.print[side], sides[side].members[row]);
    },
    seal,
    // A merged bin's members are the union, so its noise is its own draw, not the sum of its parts' (which would grow with every merge).
    join: (a, b) => seal({ label: joinLabel(a.label, b.label), baseline: 0, current: 0, exact: [a.exact[0] + b.exact[0], a.exact[1] + b.exact[1]], print: [xor(a.print[0], b.print[0]), xor(a.print[1], b.print[1])] }),
  };
}

/** As models/stability.ts labels merged bins: "(x, y]" and "(y, z]" read "(x, z]", anything else is listed. */
function joinLabel(a: string, b: string): string {
  const left = /^\((.+), (.+)\]$/.exec(a);
  const right = /^\((.+), (.+)\]$/.exec(b);
  if (left && right && left[2] === right[1]) return `(${left[1]}, ${right[2]}]`;
  return `${a} + ${b}`;
}

/** The smallest noisy count that assures k rows: the noise is clamped to COUNT_CLAMP. */
export const monitorMinCount = (k: number): number => k + COUNT_CLAMP;

export type FigureOutcome = { released: StabilityFigure } | { withheld: string };

/** Shares to SHARE_DIGITS decimals and the index from them; withheld when some bin could not reach k rows (a population too small to bin). */
function release(name: string, bins: SecretBin[], k: number): FigureOutcome {
  const min = monitorMinCount(k);
  if (bins.some((b) => b.baseline < min || b.current < min)) return { withheld: `${name}: the snapshots have too few rows for bins of at least ${k}` };
  const total = (side: 'baseline' | 'current') => bins.reduce((s, b) => s + b[side], 0);
  const [tb, tc] = [total('baseline'), total('current')];
  const round = (x: number, digits: number) => Number(x.toFixed(digits));
  const shares: ReleasedStabilityBin[] = bins.map((b) => ({ label: b.label, base: round(b.baseline / tb, SHARE_DIGITS), current: round(b.current / tc, SHARE_DIGITS) }));
  const index = round(shares.reduce((s, b) => s + contribution(b.base, b.current, STABILITY_DEFAULTS.floor), 0), INDEX_DIGITS);
  return { released: { name, index, level: levelOf(index), bins: shares } };
}

/**
 * A numeric figure (a feature, or the model's score): the base snapshot's deciles with jittered
 * positions, merged until every bin assures k rows on both sides; `missing` adds the missing values'
 * bin (features; a score is never missing).
 */
export function releasedNumericFigure(name: string, sides: [MonitoredSide, MonitoredSide], values: [ArrayLike<number>, ArrayLike<number>], k: number, missing = true): FigureOutcome {
  const present = Array.from(values[0]).filter((v) => !Number.isNaN(v));
  const jitter = sides[0].noise.uniform(`monitor-edges\u0000${name}`);
  const cuts = present.length ? quantileCuts(present, MONITOR_BINS, () => Math.floor(jitter.next() * (2 * EDGE_JITTER + 1)) - EDGE_JITTER) : [];
  const make = binMaker(sides);
  const ranges = [...cuts, Infinity].map((upper, i) => make.empty(rangeLabel(i ? cuts[i - 1] : undefined, upper === Infinity ? undefined : upper)));
  const gaps = make.empty('missing');
  for (const side of [0, 1] as const) {
    const xs = values[side];
    for (let row = 0; row < xs.length; row++) make.add(Number.isNaN(xs[row]) ? gaps : ranges[binOf(xs[row], cuts)], side, row);
  }
  return release(name, pooledRanges(ranges.map(make.seal), missing ? make.seal(gaps) : undefined, monitorMinCount(k), make.join), k);
}

/** A category feature: its levels (missing values as a level), those that cannot assure k rows pooled into "other", which always exists. */
export function releasedCategoricalFigure(name: string, sides: [MonitoredSide, MonitoredSide], values: [readonly (string | null)[], readonly (string | null)[]], k: number): FigureOutcome {
  const make = binMaker(sides);
  const levels = new Map<string, SecretBin>();
  for (const side of [0, 1] as const) {
    values[side].forEach((v, row) => {
      const label = v ?? 'missing';
      const bin = levels.get(label) ?? make.empty(label);
      levels.set(label, bin);
      make.add(bin, side, row);
    });
  }
  return release(name, pooledLevels([...levels.values()].map(make.seal), monitorMinCount(k), make.join, make.seal(make.empty('other'))), k);
}

export { STABILITY_THRESHOLDS };
