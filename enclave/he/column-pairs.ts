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
 * The encoding is computed by lab/he/ckks-encoding.ts, not by SEAL: at every root of X^N + 1 that
 * is 1 modulo 4 (one of each slot's conjugate pair), X^(N/2) is i, so p there is a + i b, and
 * p = lo + X^(N/2) hi with real halves lo, hi of degree < N/2 is the one polynomial whose half-size
 * transform w = lo + i hi meets those values: an inverse FFT of N/2 points, twisted, gives lo and hi
 * at once. SEAL then transforms the residues to its NTT form (two plaintexts ride in one ciphertext,
 * the only object node-seal lets us transform from coefficients), and the plaintexts are read from
 * its bytes.
 */
import type { ParmsIdType } from 'node-seal/implementation/parms-id-type';
import type { PlainText } from 'node-seal/implementation/plain-text';
import { CkksRuntime, Scope } from '../../lab/he/seal-runtime';
import { CIPHER_DATA_AT, PLAIN_DATA_AT, cipherBytes, plainBytes } from '../../lab/he/seal-objects';
import { writeResidueWords } from './rns-residues';

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
