/**
 * Two real basis columns in one CKKS plaintext, for private scoring: CKKS slots are complex, and SEAL's
 * encoder (node-seal's, real values only) fills their real parts alone. The plaintext
 * p = E(a) + X^(N/2) E(b) holds a + u b in each slot, where u = ±i is the value X^(N/2) takes at that
 * slot's root; a coefficient ciphertext c = Enc(w_a) - X^(N/2) Enc(w_b) holds w_a - u w_b. Their
 * product holds w_a a + w_b b + u (w_a b - w_b a), since u^2 = -1: the real part a bank decodes is the
 * two terms' sum. One encoding and one product then serve two terms. The imaginary part is another
 * linear function of the same noised basis rows: a bank could already ask for one by encrypting
 * complex coefficients of its own, but an honest bank would now get it unasked, so an answer's
 * imaginary parts get a flood of their own (score-crypto.ts IMAGINARY_FLOOD).
 *
 * The encoding is computed here, not by SEAL: at every root of X^N + 1 that is 1 modulo 4 (one of each
 * slot's conjugate pair), X^(N/2) is i, so p there is a + i b, and p = lo + X^(N/2) hi with real halves
 * lo, hi of degree < N/2 is the one polynomial whose half-size transform w = lo + i hi meets those
 * values: an inverse FFT of N/2 points, twisted, gives lo and hi at once. SEAL then transforms the
 * residues to its NTT form (two plaintexts ride in one ciphertext, the only object node-seal lets us
 * transform from coefficients), and the plaintexts are read from its bytes.
 */
import type { ParmsIdType } from 'node-seal/implementation/parms-id-type';
import type { PlainText } from 'node-seal/implementation/plain-text';
import { CkksRuntime, Scope } from '../../lab/he/seal-runtime';
import { CIPHER_DATA_AT, PLAIN_DATA_AT, cipherBytes, plainBytes } from './seal-objects';
import { writeResidueWords } from './rns-residues';

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

/**
 * The bytes a level's ciphertexts and plaintexts are written into, headers in place, kept per level
 * and scale: SEAL copies what it loads, so one buffer serves every pair (a batch's pairs made 28 MB
 * of garbage a batch without them). The ciphertext's data starts on a word boundary of its buffer, so
 * residues are written into it directly.
 */
interface Scratch {
  cipher: Uint8Array;
  words: Uint32Array;
  plain: Uint8Array;
}

const scratches = new Map<string, Scratch>();
const CIPHER_PAD = (4 - (CIPHER_DATA_AT % 4)) % 4;

function scratchFor(n: number, moduli: number, parmsId: BigUint64Array, scale: number): Scratch {
  const key = `${n}:${moduli}:${parmsId.join(',')}:${scale}`;
  let s = scratches.get(key);
  if (!s) {
    const template = cipherBytes(n, moduli, parmsId, scale);
    const buffer = new ArrayBuffer(CIPHER_PAD + template.length);
    const cipher = new Uint8Array(buffer, CIPHER_PAD, template.length);
    cipher.set(template);
    s = { cipher, words: new Uint32Array(buffer, CIPHER_PAD + CIPHER_DATA_AT, 4 * n * moduli), plain: plainBytes(parmsId, scale, n * moduli) };
    // A worker keeps a handful of levels and scales; anything past that is a test's.
    if (scratches.size > 8) scratches.clear();
    scratches.set(key, s);
  }
  return s;
}

/**
 * Two polynomials' residues at `level` (a ciphertext's data, SEAL's layout: polynomial, prime,
 * coefficient) in SEAL's NTT form: SEAL transforms them as one ciphertext (the only object node-seal
 * lets us transform from coefficients) and the transformed data is read back from its bytes. The
 * second polynomial must not be all zero (SEAL will not transform a transparent ciphertext).
 */
export function nttTransform(rt: CkksRuntime, scope: Scope, level: ParmsIdType, scale: number, residues: Uint8Array): Uint8Array {
  const n = rt.slots * 2;
  const moduli = scope.own(scope.own(rt.context.getContextData(level)).parms).coeffModulus.length;
  const scratch = scratchFor(n, moduli, level.values, scale);
  scratch.cipher.set(residues, CIPHER_DATA_AT);
  return transformed(rt, scratch);
}

function transformed(rt: CkksRuntime, scratch: Scratch): Uint8Array {
  const both = rt.seal.CipherText();
  try {
    both.loadArray(rt.context, scratch.cipher);
    rt.evaluator.cipherTransformToNtt(both, both);
    return both.saveArray(rt.seal.ComprModeType.none).subarray(CIPHER_DATA_AT);
  } finally {
    both.delete();
  }
}

/**
 * Plaintexts in NTT form at `level`, at `scale`, from one or two coefficient vectors (whole numbers
 * below 2^62 in size, each not all zero), each read from the transformed data. Owned by `scope`.
 */
export function nttPlaintexts(rt: CkksRuntime, scope: Scope, level: ParmsIdType, polys: Float64Array[], scale: number): PlainText[] {
  const n = rt.slots * 2;
  const moduli = scope.own(scope.own(rt.context.getContextData(level)).parms).coeffModulus;
  const size = n * moduli.length;
  // A lone polynomial goes in twice: with a zero second one the ciphertext would be transparent.
  const [first, second] = [polys[0], polys[1] ?? polys[0]];
  const scratch = scratchFor(n, moduli.length, level.values, scale);
  writeResidueWords(scratch.words, 0, first, moduli);
  writeResidueWords(scratch.words, 2 * size, second, moduli);
  const data = transformed(rt, scratch);
  return polys.map((_, k) => {
    const plain = scope.own(rt.seal.PlainText());
    scratch.plain.set(data.subarray(8 * k * size, 8 * (k + 1) * size), PLAIN_DATA_AT);
    plain.loadArray(rt.context, scratch.plain);
    return plain;
  });
}

/** -X^(N/2) at `level`, scale 1, in NTT form: times Enc(w_b) it gives the second half of a paired coefficient. */
export function minusHalfTurn(rt: CkksRuntime, scope: Scope, level: ParmsIdType): PlainText {
  const poly = new Float64Array(rt.slots * 2);
  poly[rt.slots] = -1;
  return nttPlaintexts(rt, scope, level, [poly], 1)[0];
}
