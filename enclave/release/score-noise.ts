/**
 * Score noise: before any model sees an enterprise's platform row for scoring, each value is, with a
 * set probability, replaced by the same column's value of another enterprise, and numeric values get
 * Gaussian noise of a set scale (in the column's standard deviations). The draws come from an HMAC of
 * (enterprise, column) under an enclave secret, so every request and every model sees the SAME
 * perturbed row: re-scoring cannot average the noise away, and two models cannot be combined to undo it.
 *
 * Why a replacement and not Gaussian noise alone: counts, flags and grades take few values, and
 * Gaussian noise smaller than the gap between them is rounded away by whoever decodes a score. A
 * replacement with probability q leaves a decoder an error of at least sqrt(q(2 - q)) standard
 * deviations per column whatever the column's distribution and whatever estimator it uses on that
 * column's released value (0.66 sd at the default q = 0.25; a decoder that takes the value as it
 * comes is off by sqrt(2q) = 0.71 sd), while the perturbed row keeps the population's
 * distribution, so bins, levels and missing flags stay valid.
 */
import { createHmac } from 'node:crypto';
import { isMissingCell } from '../../lab/data/columns';
import type { ScoringPolicy } from '../../lab/api/scoring';

export interface NoiseDraw {
  /** Uniform in [0, 1): the value is replaced when this is below the policy's swap probability. */
  swapAt: number;
  /** Row number (of `rows`) whose value replaces it. */
  donorRow: number;
  /** A standard normal draw, scaled by the policy's sd and the column's sd. */
  gaussian: number;
}

const uniform48 = (bytes: Buffer, at: number): number => bytes.readUIntBE(at, 6) / 2 ** 48;

export function noiseDraw(key: Buffer, enterprise: string, column: string, rows: number): NoiseDraw {
  const bytes = createHmac('sha256', key).update(enterprise).update('\u0000').update(column).digest();
  const u1 = Math.max(uniform48(bytes, 12), 2 ** -48);
  const u2 = uniform48(bytes, 18);
  return {
    swapAt: uniform48(bytes, 0),
    donorRow: Math.floor(uniform48(bytes, 6) * rows),
    gaussian: Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2),
  };
}

export interface NoiseColumn {
  name: string;
  type: 'numeric' | 'categorical';
  /** Standard deviation of the column on the platform population (numeric columns). */
  sd: number;
}

/** Row numbers whose cells the perturbation of `ids` needs: the donors of the values that will be replaced. */
export function donorRows(key: Buffer, policy: ScoringPolicy, ids: readonly string[], columns: readonly NoiseColumn[], rows: number): number[] {
  if (policy.noiseSwap <= 0) return [];
  const out = new Set<number>();
  for (const id of ids) for (const c of columns) {
    const d = noiseDraw(key, id, c.name, rows);
    if (d.swapAt < policy.noiseSwap) out.add(d.donorRow);
  }
  return [...out];
}

/** An enterprise's cells (in the order of `columns`) as a model may see them for scoring. */
export function perturbCells(key: Buffer, policy: ScoringPolicy, id: string, cells: readonly string[], columns: readonly NoiseColumn[], rows: number, donor: (row: number) => readonly string[]): string[] {
  return columns.map((c, j) => {
    const d = noiseDraw(key, id, c.name, rows);
    const value = d.swapAt < policy.noiseSwap ? donor(d.donorRow)[j] : cells[j];
    if (c.type !== 'numeric' || policy.noiseSd <= 0 || isMissingCell(value)) return value;
    const x = Number(value);
    return Number.isFinite(x) ? String(x + policy.noiseSd * c.sd * d.gaussian) : value;
  });
}
