/**
 * Figures about a job's population as they may leave the enclave: a standardization that does not
 * depend on who is in the population, and counts and metrics perturbed by noise that is keyed to the
 * population, so that two jobs whose populations differ by a few enterprises cannot be subtracted
 * down to one of them, and asking again for the same population gives the same figures (nothing to
 * average away).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isMissingCell } from '../../lab/data/columns';
import { EncodedColumn, Encoder, MISSING_LEVEL } from '../../models/encoding';
import { UniformSource } from '../../models/privacy/sampler';
import { Db } from '../store/db';

/** Released counts are rounded to a multiple of this after the noise. */
export const COUNT_GRID = 5;
/** Scale of the Laplace noise on a released count when the job has no privacy budget: one row is lost in it. */
export const COUNT_NOISE = 2;
/** Released metrics (AUC, KS, Gini) carry this many decimals, rounded at a keyed random point. */
export const METRIC_DIGITS = 3;
/** Most category levels a standardization lists (as the models' own encoder). */
const MAX_LEVELS = 64;

/**
 * Under a DP spec the job's epsilon is split: this share buys the model's mechanism, the rest the
 * released counts and test metrics. The standardization is population-independent and costs none.
 */
export const DP_SHARES = { model: 0.75, counts: 0.1, auc: 0.075, ks: 0.075 } as const;

/** Named, independent noise streams of one population: the same population and figure always draw the same numbers. */
export interface PopulationNoise {
  /** The derived key (hex), which can travel to a training worker; never released. */
  readonly key: string;
  uniform(figure: string): UniformSource;
}

/**
 * Noise keyed by HMAC-SHA-256 under the enclave's secret: `population` is a digest of everything
 * that decides the population and its labels (see training-data.ts), `figure` names what is released.
 */
export function keyedNoise(secret: Buffer, population: string): PopulationNoise {
  return noiseFromKey(createHmac('sha256', secret).update(`population\u0000${population}`).digest('hex'));
}

/** The same noise streams from a derived key (in the training worker). */
export function noiseFromKey(hexKey: string): PopulationNoise {
  const key = Buffer.from(hexKey, 'hex');
  return {
    key: hexKey,
    uniform(figure: string): UniformSource {
      const stream = createHmac('sha256', key).update(figure).digest();
      let block = Buffer.alloc(0);
      let counter = 0;
      let at = 0;
      return {
        next(): number {
          if (at + 8 > block.length) {
            block = createHmac('sha256', stream).update(String(counter++)).digest();
            at = 0;
          }
          const hi = block.readUInt32BE(at) >>> 5;
          const lo = block.readUInt32BE(at + 4) >>> 6;
          at += 8;
          return (hi * 67108864 + lo + 0.5) / 9007199254740992;
        },
      };
    },
  };
}

/** Clamped count noise per named cell (scorecard bins), as the training worker hands it to the model. */
export function cellNoise(noise: PopulationNoise): (tag: string) => number {
  return (tag) => noisyValue(0, noise.uniform(`cell:${tag}`));
}

/** Laplace noise of the given scale from one uniform draw. */
export function laplace(u: UniformSource, scale: number): number {
  const v = u.next() - 0.5;
  return -scale * Math.sign(v) * Math.log(1 - 2 * Math.abs(v));
}

/** Without a privacy budget the count noise is clamped to this: a count k - 9 or lower never passes a threshold of k. */
export const COUNT_CLAMP = 4 * COUNT_NOISE;

/**
 * A count as it may leave: noise (one row's influence is 1), then rounded to COUNT_GRID; null when
 * the noisy count is under k. The decision is on the noisy count too, so that a figure that appears
 * or disappears does not say that a count crossed k exactly. Without DP the noise is Laplace of
 * COUNT_NOISE clamped to COUNT_CLAMP (a class of one row never passes k = 10); under DP it is
 * Laplace of `dpScale`, unclamped, as the mechanism needs.
 */
export function noisyCount(n: number, k: number, u: UniformSource, dpScale?: number): number | null {
  const noisy = noisyValue(n, u, dpScale);
  if (noisy < k) return null;
  return Math.max(k, Math.round(noisy / COUNT_GRID) * COUNT_GRID);
}

/** The count plus its noise, unrounded: what thresholds are decided on (rounding first would lift 9 to 10). */
export function noisyValue(n: number, u: UniformSource, dpScale?: number): number {
  return n + (dpScale !== undefined ? laplace(u, dpScale) : Math.max(-COUNT_CLAMP, Math.min(COUNT_CLAMP, laplace(u, COUNT_NOISE))));
}

/**
 * A metric in [0, 1] as it may leave: plus Laplace noise of `scale` (0: none), rounded to
 * METRIC_DIGITS at a keyed random point (so that a rounding boundary is no oracle either), clamped.
 */
export function releasedMetric(value: number, u: UniformSource, scale = 0, low = 0, high = 1): number {
  const grid = 10 ** -METRIC_DIGITS;
  const noisy = value + (scale > 0 ? laplace(u, scale) : 0);
  const dithered = Math.floor(noisy / grid + u.next()) * grid;
  return Number(Math.min(high, Math.max(low, dithered)).toFixed(METRIC_DIGITS));
}

/** A share in [0, 1] (an ROC coordinate, an observed rate) to two decimals at a keyed random point: the exact fraction would give its denominator, a count. */
export function releasedShare(value: number, u: UniformSource): number {
  return Number(Math.min(1, Math.max(0, Math.floor(value * 100 + u.next()) / 100)).toFixed(2));
}

/** x rounded to two significant digits (zero stays zero). */
function twoDigits(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(2));
}

/**
 * A column's mean and standard deviation as the enclave releases them (dataset aggregates and the
 * standardization alike): the deviation to two significant digits (at least something: a constant
 * column gets 1), the mean to a tenth of it. Far coarser than one enterprise's pull on either.
 */
export function coarseMoments(mean: number, sd: number): { mean: number; scale: number } {
  const scale = twoDigits(sd) || 1;
  const step = scale / 10;
  return { mean: Number((Math.round(mean / step) * step).toPrecision(12)), scale };
}

/** One column of the source a standardization is taken from: every row of the platform dataset, or of the bank's upload. */
export interface SourceColumn {
  name: string;
  kind: 'numeric' | 'categorical';
  cells: readonly string[];
}

/**
 * The standardization a job's model is fitted and released with, taken from the whole source table
 * (all the platform's rows for a platform column, all the upload's rows for the bank's column) and
 * never from the joined population: who is in the population changes nothing in it, so it can be
 * neither differenced nor read for membership, and under DP it costs none of the job's epsilon. The
 * scale is kept to two significant digits and the mean to a tenth of it, so a platform-wide figure
 * is coarse too. Levels: those with at least k rows in the source (at most 64, most frequent first).
 * Logistic regression is invariant to the standardization apart from its penalty, so an honest fit
 * hardly moves; the model is fitted on exactly this encoder, so the bank's scoring with it is exact.
 */
/**
 * Numeric columns whose every value across the whole source (the upload, or the platform table) is 0
 * or 1: a scorecard labels their bins "0" and "1". Read on the training rows it would say that no
 * joined enterprise has another value, which one row can change.
 */
export function flagColumns(columns: SourceColumn[]): string[] {
  return flagColumnsOf(columns.map(summarizeColumn));
}

/** The same rule on summaries: a numeric column is a flag when its summary says every cell was missing, 0 or 1. */
export function flagColumnsOf(summaries: ColumnSummary[]): string[] {
  return summaries.filter((s) => s.kind === 'numeric' && s.flag).map((s) => s.name);
}

/**
 * What the standardization and the flag rule take from a whole source column, so that a store that
 * keeps columns apart (enclave/columnar/) can hand them over without the cells: for a numeric column
 * the count, sum and two-pass sum of squared deviations of its finite values in row order, the
 * number of cells and whether every cell was missing, 0 or 1; for a categorical column the count of
 * each trimmed level (missing cells under MISSING_LEVEL).
 */
export type ColumnSummary =
  | { name: string; kind: 'numeric'; cells: number; count: number; sum: number; squares: number; flag: boolean }
  | { name: string; kind: 'categorical'; counts: Map<string, number> };

/** A column's summary from its cells, by exactly the loops the standardization always ran. */
export function summarizeColumn(c: SourceColumn): ColumnSummary {
  if (c.kind === 'numeric') {
    let sum = 0;
    let count = 0;
    const xs: number[] = [];
    let flag = true;
    for (const cell of c.cells) {
      if (isMissingCell(cell)) continue;
      const t = cell.trim();
      if (t !== '0' && t !== '1') flag = false;
      const x = Number(t);
      if (!Number.isFinite(x)) continue;
      xs.push(x);
      sum += x;
      count++;
    }
    const mean = count ? sum / count : 0;
    let squares = 0;
    for (const x of xs) squares += (x - mean) ** 2;
    return { name: c.name, kind: 'numeric', cells: c.cells.length, count, sum, squares, flag };
  }
  const counts = new Map<string, number>();
  for (const cell of c.cells) {
    const level = isMissingCell(cell) ? MISSING_LEVEL : cell.trim();
    counts.set(level, (counts.get(level) ?? 0) + 1);
  }
  return { name: c.name, kind: 'categorical', counts };
}

export function referenceEncoder(columns: SourceColumn[], k: number): Encoder {
  return { features: columns.map((c) => ({ name: c.name, kind: c.kind })), columns: columns.map((c) => referenceColumn(c, k)) };
}

/** The same, yielding to the event loop between columns: the sources are whole tables, and the API must keep answering. */
export async function referenceEncoderYielding(columns: SourceColumn[], k: number): Promise<Encoder> {
  const summaries: ColumnSummary[] = [];
  for (const c of columns) {
    summaries.push(summarizeColumn(c));
    await nextTurn();
  }
  return referenceEncoderOf(summaries, k);
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function referenceColumn(c: SourceColumn, k: number): EncodedColumn {
  return encodedColumnOf(summarizeColumn(c), k);
}

/** The standardization of summarized columns, yielding between columns as referenceEncoderYielding does. */
export async function referenceEncoderOf(summaries: ColumnSummary[], k: number): Promise<Encoder> {
  const encoded: EncodedColumn[] = [];
  for (const s of summaries) {
    encoded.push(encodedColumnOf(s, k));
    await nextTurn();
  }
  return { features: summaries.map((s) => ({ name: s.name, kind: s.kind })), columns: encoded };
}

/** One column's standardization from its summary: coarse moments for a number, the levels with at least k rows for a category. */
export function encodedColumnOf(s: ColumnSummary, k: number): EncodedColumn {
  if (s.kind === 'numeric') {
    const mean = s.count ? s.sum / s.count : 0;
    const sd = s.count ? Math.sqrt(s.squares / s.count) : 0;
    return { kind: 'numeric', name: s.name, ...coarseMoments(mean, sd), missingIndicator: s.count < s.cells };
  }
  const levels = [...s.counts.entries()]
    .filter(([, n]) => n >= k)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_LEVELS)
    .map(([level]) => level);
  return { kind: 'categorical', name: s.name, levels };
}

/** The enclave's key for population noise and fingerprints, made on first use and kept in the store's secrets. */
export async function populationSecret(db: Db): Promise<Buffer> {
  let row = await db.get<{ value: Buffer }>("SELECT value FROM secrets WHERE name = 'population-key'");
  if (!row) {
    await db.run("INSERT OR IGNORE INTO secrets (name, value) VALUES ('population-key', ?)", [randomBytes(32)]);
    row = await db.get<{ value: Buffer }>("SELECT value FROM secrets WHERE name = 'population-key'");
  }
  return row!.value;
}
