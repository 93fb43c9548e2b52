/** Small dense linear algebra for Newton steps: symmetric positive-definite solves by Cholesky. */

/**
 * Solves A x = b for a symmetric positive-definite A (row-major, d x d).
 * A small ridge is added when a pivot is not positive, which only happens for degenerate designs
 * (constant or duplicated columns) that L2 regularization otherwise already guards against.
 */
export function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 : jitter * 100) {
    const l = cholesky(a, d, jitter);
    if (l) return choleskySolve(l, b, d);
    if (jitter > 1) throw new RangeError('matrix is not positive definite');
  }
}

function cholesky(a: Float64Array, d: number, jitter: number): Float64Array | null {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        s += jitter * Math.max(1, Math.abs(a[i * d + i]));
        if (!(s > 0)) return null;
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  }
  return l;
}

function choleskySolve(l: Float64Array, b: Float64Array, d: number): Float64Array {
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * y[k];
    y[i] = s / l[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < d; k++) s -= l[k * d + i] * x[k];
    x[i] = s / l[i * d + i];
  }
  return x;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Inverse of a symmetric positive-definite matrix (row-major, d x d), one Cholesky solve per column. */
export function inverseSpd(a: Float64Array, d: number): Float64Array {
  const inverse = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const e = new Float64Array(d);
    e[j] = 1;
    const column = solveSpd(a, e, d);
    for (let i = 0; i < d; i++) inverse[i * d + j] = column[i];
  }
  return inverse;
}
