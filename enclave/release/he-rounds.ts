/**
 * Disclosure rules of encrypted-label training rounds: the bounds on what a bank may send, the label
 * check's gain, and the Gaussian noise each round carries, calibrated to one row with labels in
 * [0, 1] and composed over the session's rounds in zero-concentrated differential privacy (zCDP).
 */
import { randomBytes } from 'node:crypto';
import { ParamSetName } from '../../lab/he/params';

/** delta of the (epsilon, delta) guarantee a session's rounds are charged at. */
export const HE_DELTA = 1e-6;

/**
 * Rows of the design are clipped to this norm times sqrt(columns): one row's share of g - X^T y is
 * then at most that norm whatever its label in [0, 1]. Standardized rows rarely pass it (0.3% of the
 * shared credit data at 2.5).
 */
export const CLIP_PER_SQRT_COLUMN = 2.5;

/** Largest |weight| a bank may send for a round: the weights steer the Hessian's row weights. */
export const MAX_ROUND_WEIGHT = 20;

export const LABEL_CHECK = {
  /** Size of the secret random slot multipliers applied before the sum (encoded at scale 1, so they cost no level). */
  firstFactor: 2 ** 20,
  /**
   * Size of the fresh per-slot factor applied to Enc(c) in each round, per parameter set: honest
   * labels leave CKKS noise in c, which this gain keeps under 1e-6 in the answer (measured on 21,000
   * rows: 6e-3 at n16384 and 6.6 at n8192 for gain 1), far under the flood's 1e-5 precision. A label
   * 0.001 off {0, 1} then moves each slot by about 1.2 at n16384 (1e-3 at n8192); a label of 2 by
   * 1e4 (2 at n8192), each slot by its own secret amount, against rounds whose weights are about 1.
   */
  gain: { n8192: 1e-7, n16384: 1e-4 } as Record<ParamSetName, number>,
};

export function clipNorm(columns: number): number {
  return CLIP_PER_SQRT_COLUMN * Math.sqrt(columns);
}

/** zCDP rho that gives (epsilon, delta): epsilon = rho + 2 sqrt(rho ln(1/delta)), solved for rho. */
export function rhoOf(epsilon: number, delta = HE_DELTA): number {
  const l = Math.log(1 / delta);
  return (Math.sqrt(l + epsilon) - Math.sqrt(l)) ** 2;
}

/**
 * Standard deviation of the Gaussian noise added to v = g - X^T y in each round: with add/remove-one
 * sensitivity `clip` (a row of norm at most clip, |p - y| at most 1), each round is clip^2 / (2 s^2)
 * zCDP, and `rounds` of them compose to the session's rho.
 */
export function roundNoiseStd(epsilon: number, rounds: number, clip: number): number {
  return clip * Math.sqrt(rounds / (2 * rhoOf(epsilon)));
}

/**
 * The noise of `average` rounds at one set of weights answered as one: their mean's, std over
 * sqrt(average). In zCDP that answer costs what the `average` rounds would (each clip^2 / (2 s^2); one
 * at s / sqrt(average) is average times that) and tells less (the mean is all the rounds would give an
 * average of), so it is charged `average` rounds and saves the SEAL work of all but one.
 */
export function averagedRoundStd(noiseStd: number, average: number): number {
  return noiseStd / Math.sqrt(average);
}

/** Standard normal samples from the operating system's randomness (Box-Muller): the bank must not predict them. */
export function gaussian(count: number): Float64Array {
  const out = new Float64Array(count);
  const bytes = randomBytes(8 * count);
  for (let i = 0; i < count; i += 2) {
    const u1 = (bytes.readUInt32LE(8 * i) + 1) / 2 ** 32;
    const u2 = bytes.readUInt32LE(8 * i + 4) / 2 ** 32;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** v + N(0, std^2 I): the round's noise, fresh each time. */
export function noisedGradient(gradient: Float64Array, std: number): Float64Array {
  const noise = gaussian(gradient.length);
  return Float64Array.from(gradient, (g, j) => g + std * noise[j]);
}

/**
 * Rows scaled down to norm at most `clip` with the intercept's 1 kept (the features are scaled to norm
 * sqrt(clip^2 - 1)), in both the aligned design the labels meet and the matched rows H and g are
 * computed from. The aligned intercept column (last, untouched) marks the matched upload rows in order.
 */
export function clipRows(aligned: Float64Array[], matched: Float64Array[], clip: number): { aligned: Float64Array[]; matched: Float64Array[] } {
  const rows = matched[0]?.length ?? 0;
  const room = Math.sqrt(clip * clip - 1);
  const factor = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let sq = 0;
    for (const c of matched) sq += c[i] * c[i];
    factor[i] = sq > room * room ? room / Math.sqrt(sq) : 1;
  }
  const ones = aligned[aligned.length - 1];
  const at: number[] = [];
  for (let i = 0; i < ones.length; i++) if (ones[i] !== 0) at.push(i);
  // Plain loops: Float64Array.from with a callback cost about 90 ms a session at 30,000 x 11.
  return {
    matched: matched.map((c) => {
      const out = new Float64Array(c.length);
      for (let i = 0; i < c.length; i++) out[i] = c[i] * factor[i];
      return out;
    }),
    aligned: aligned.map((c, j) => {
      if (j === aligned.length - 1) return c;
      const out = Float64Array.from(c);
      for (let m = 0; m < at.length; m++) out[at[m]] = c[at[m]] * factor[m];
      return out;
    }),
  };
}
