/**
 * Privacy accounting for DP-SGD: Rényi differential privacy of the Poisson-subsampled Gaussian
 * mechanism at integer orders (Mironov, Talwar and Zhang 2019, the closed form for integer alpha),
 * composed over the steps and converted to (epsilon, delta) with the standard RDP bound.
 */

const ORDERS = Array.from({ length: 255 }, (_, i) => i + 2);

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

function logBinomial(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * RDP at integer order alpha of one step: log(sum_k C(alpha,k) (1-q)^(alpha-k) q^k exp((k^2-k)/(2 sigma^2))) / (alpha - 1).
 */
export function rdpSampledGaussian(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (q === 1) return alpha / (2 * sigma * sigma);
  let logA = -Infinity;
  for (let k = 0; k <= alpha; k++) {
    const term = logBinomial(alpha, k) + (alpha - k) * Math.log1p(-q) + k * Math.log(q) + (k * k - k) / (2 * sigma * sigma);
    logA = logAdd(logA, term);
  }
  return logA / (alpha - 1);
}

/** epsilon after `steps` steps at sampling rate q and noise multiplier sigma, for the given delta. */
export function epsilonFor(q: number, sigma: number, steps: number, delta: number): number {
  let best = Infinity;
  for (const alpha of ORDERS) best = Math.min(best, steps * rdpSampledGaussian(q, sigma, alpha) + Math.log(1 / delta) / (alpha - 1));
  return best;
}

/** The smallest noise multiplier (to 1%) whose epsilon stays within the target. */
export function noiseMultiplierFor(target: number, q: number, steps: number, delta: number): number {
  let lo = 0.3;
  let hi = 100;
  if (epsilonFor(q, hi, steps, delta) > target) throw new RangeError(`epsilon ${target} is out of reach with ${steps} steps at rate ${q}`);
  while (hi / lo > 1.01) {
    const mid = Math.sqrt(lo * hi);
    if (epsilonFor(q, mid, steps, delta) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}
