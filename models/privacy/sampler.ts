/**
 * Noise for differential privacy, drawn so that floating point does not undo it. Uniforms come from
 * the operating system's cryptographic generator with 53 random bits, strictly inside (0, 1); the
 * released values are then snapped to a power-of-two grid coarser than the noise's resolution and
 * clamped (Mironov 2012: without this, the low bits of a noisy double can reveal the exact input).
 */
import { randomBytes } from 'node:crypto';

export interface UniformSource {
  /** Uniform on the open interval (0, 1). */
  next(): number;
}

export const secureUniform: UniformSource = {
  next(): number {
    const b = randomBytes(8);
    const hi = b.readUInt32BE(0) >>> 5; // 27 bits
    const lo = b.readUInt32BE(4) >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  },
};

/** Gamma(shape, scale) for a whole-number shape: a sum of `shape` exponentials. */
export function gammaInteger(shape: number, scale: number, u: UniformSource = secureUniform): number {
  let sum = 0;
  for (let k = 0; k < shape; k++) sum -= Math.log(u.next());
  return sum * scale;
}

/** A direction drawn uniformly from the unit sphere in d dimensions (normalized Gaussian vector). */
export function uniformDirection(d: number, u: UniformSource = secureUniform): Float64Array {
  const v = new Float64Array(d);
  let norm = 0;
  for (let i = 0; i < d; i++) {
    const g = Math.sqrt(-2 * Math.log(u.next())) * Math.cos(2 * Math.PI * u.next());
    v[i] = g;
    norm += g * g;
  }
  norm = Math.sqrt(norm);
  return v.map((x) => x / norm);
}

/** Noise b in R^d with density proportional to exp(-||b|| / scale): a Gamma(d, scale) norm in a uniform direction. */
export function sphericalLaplace(d: number, scale: number, u: UniformSource = secureUniform): Float64Array {
  const r = gammaInteger(d, scale, u);
  return uniformDirection(d, u).map((x) => x * r);
}

/** Rounds to the nearest multiple of the smallest power of two at least `resolution`, then clamps to [-bound, bound]. */
export function snap(x: number, resolution: number, bound: number): number {
  const grid = 2 ** Math.ceil(Math.log2(resolution));
  return Math.min(bound, Math.max(-bound, Math.round(x / grid) * grid));
}

/**
 * Two-sided geometric noise (the discrete Laplace mechanism) with P(k) proportional to
 * exp(-epsilon |k| / sensitivity): integer-valued, so there are no floating-point low bits to leak.
 */
export function discreteLaplace(epsilon: number, sensitivity: number, u: UniformSource = secureUniform): number {
  const p = Math.exp(-epsilon / sensitivity);
  const geometric = (): number => Math.floor(Math.log(u.next()) / Math.log(p));
  return geometric() - geometric();
}
