/**
 * CKKS encoding of real slot values into a plaintext polynomial's coefficients, computed here rather
 * than by SEAL (whose slot order it follows: slot j at the root of index 3^j modulo 2N). One inverse
 * FFT of N/2 points, twisted, gives the coefficients. Private scoring uses it to put two columns in
 * one plaintext (enclave/he/column-pairs.ts); a bank uses it to encrypt its labels without a SEAL
 * context (lab/he/ring/lean-keys.ts). With a second column, the slots hold a + u b, where u = ±i is
 * the value X^(N/2) takes at that slot's root.
 */

/** The transform's tables for one ring degree, with scratch space (a worker encodes one pair at a time). */
interface PairTables {
  n: number;
  /** Per slot, its position in the bit-reversed input of the half-size transform. */
  position: Int32Array;
  /** Per stage from the third (blocks of 8), exp(-2 pi i k / size) for k < size / 2: the transform's twiddles, in the order a stage reads them. */
  cos: Float64Array[];
  sin: Float64Array[];
  /** exp(-i pi l / N) times 2 / N: the twist and the transform's normalization. */
  twistRe: Float64Array;
  twistIm: Float64Array;
  re: Float64Array;
  im: Float64Array;
}

const tablesByDegree = new Map<number, PairTables>();

function tablesFor(n: number): PairTables {
  let t = tablesByDegree.get(n);
  if (t) return t;
  const m = n / 2;
  const bits = Math.log2(m);
  const position = new Int32Array(m);
  // SEAL's slot j sits at the root of index 3^j modulo 2N, or at its conjugate's: take whichever is 1 modulo 4.
  for (let j = 0, g = 1; j < m; j++, g = (g * 3) % (2 * n)) {
    const k = g % 4 === 1 ? g : 2 * n - g;
    const at = (k - 1) / 4;
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((at >> b) & 1) << (bits - 1 - b);
    position[j] = r;
  }
  const cos: Float64Array[] = [];
  const sin: Float64Array[] = [];
  for (let size = 8; size <= m; size *= 2) {
    cos.push(Float64Array.from({ length: size / 2 }, (_, k) => Math.cos((2 * Math.PI * k) / size)));
    sin.push(Float64Array.from({ length: size / 2 }, (_, k) => -Math.sin((2 * Math.PI * k) / size)));
  }
  const twistRe = new Float64Array(m);
  const twistIm = new Float64Array(m);
  for (let l = 0; l < m; l++) {
    twistRe[l] = (Math.cos((Math.PI * l) / n) * 2) / n;
    twistIm[l] = (-Math.sin((Math.PI * l) / n) * 2) / n;
  }
  t = { n, position, cos, sin, twistRe, twistIm, re: new Float64Array(m), im: new Float64Array(m) };
  tablesByDegree.set(n, t);
  return t;
}

/**
 * V(l) = sum_k v_k exp(-2 pi i l k / M) in place, from input in bit-reversed order (radix 2). The first
 * two stages go together: their twiddles are 1 and -i, so they need no multiplication.
 */
function transform(re: Float64Array, im: Float64Array, cos: Float64Array[], sin: Float64Array[]): void {
  const m = re.length;
  for (let s = 0; s < m; s += 4) {
    const b0r = re[s] + re[s + 1];
    const b0i = im[s] + im[s + 1];
    const b1r = re[s] - re[s + 1];
    const b1i = im[s] - im[s + 1];
    const b2r = re[s + 2] + re[s + 3];
    const b2i = im[s + 2] + im[s + 3];
    // -i (x + iy) = y - ix
    const b3r = im[s + 2] - im[s + 3];
    const b3i = re[s + 3] - re[s + 2];
    re[s] = b0r + b2r;
    im[s] = b0i + b2i;
    re[s + 2] = b0r - b2r;
    im[s + 2] = b0i - b2i;
    re[s + 1] = b1r + b3r;
    im[s + 1] = b1i + b3i;
    re[s + 3] = b1r - b3r;
    im[s + 3] = b1i - b3i;
  }
  for (let stage = 0, size = 8; size <= m; size *= 2, stage++) {
    const half = size / 2;
    const c = cos[stage];
    const sn = sin[stage];
    for (let start = 0; start < m; start += size) {
      for (let k = 0; k < half; k++) {
        const x = start + k;
        const y = x + half;
        const yr = re[y] * c[k] - im[y] * sn[k];
        const yi = re[y] * sn[k] + im[y] * c[k];
        const xr = re[x];
        const xi = im[x];
        re[y] = xr - yr;
        im[y] = xi - yi;
        re[x] = xr + yr;
        im[x] = xi + yi;
      }
    }
  }
}

/** A column and the bound its values are clipped to. */
export interface BoundColumn {
  values: Float64Array;
  bound: number;
}

/** `column`'s values, each clipped to ±its bound (one that is not a number read as 0), into the transform's input at the slots' positions. */
function scatter(into: Float64Array, position: Int32Array, { values, bound }: BoundColumn): void {
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    // NaN fails both comparisons: through the transform it would spread to every coefficient.
    into[position[j]] = v > bound ? bound : v < -bound ? -bound : v === v ? v : 0;
  }
}

/**
 * The coefficients (rounded, times `scale`) of the plaintext whose slots hold a + u b (`b` absent: a
 * alone, SEAL's real encoding), each value clipped to its column's bound, into `out` (N values).
 * Columns shorter than N/2 leave zeros after them. Returns whether any coefficient is non-zero (SEAL
 * refuses a product with a zero plaintext).
 */
export function pairCoefficients(n: number, a: BoundColumn, b: BoundColumn | undefined, scale: number, out: Float64Array): boolean {
  const t = tablesFor(n);
  const m = n / 2;
  const { re, im, cos, sin } = t;
  re.fill(0);
  im.fill(0);
  scatter(re, t.position, a);
  if (b) scatter(im, t.position, b);
  transform(re, im, cos, sin);
  let any = false;
  for (let l = 0; l < m; l++) {
    const tr = t.twistRe[l] * scale;
    const ti = t.twistIm[l] * scale;
    const lo = Math.round(re[l] * tr - im[l] * ti);
    const hi = Math.round(re[l] * ti + im[l] * tr);
    out[l] = lo;
    out[l + m] = hi;
    if (lo !== 0 || hi !== 0) any = true;
  }
  return any;
}
