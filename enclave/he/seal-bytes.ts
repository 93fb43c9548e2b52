/**
 * Structural checks of a bank's serialized SEAL objects, in plain JavaScript before SEAL parses them:
 * the header, no compression, the session's parameter ids, exact sizes, polynomial count, scale, and
 * every coefficient below its modulus. A bank's bytes that fail here never reach a SEAL heap.
 */
import { JointlabError } from '../../lab/errors';
import { galoisElement } from '../../lab/he/params';

/** What SEAL says about a parameter set (asked of a pool worker, never of a bank). */
export interface ParamFacts {
  polyModulusDegree: number;
  /** Parms id of fresh ciphertexts (the top data level) and of keys (the key level). */
  firstParmsId: BigUint64Array;
  keyParmsId: BigUint64Array;
  firstModuli: BigUint64Array;
  keyModuli: BigUint64Array;
  /** Scale of fresh ciphertexts. */
  scale: number;
  /** Rotation steps the protocols use: the Galois keys a bank sends are for these and no others. */
  rotationSteps: number[];
}

/**
 * Where SEAL files the key for a rotation by `step` in CKKS: Galois element 3^step mod 2N (2N - 1 for step 0), at index
 * (element - 1) / 2 (SEAL's GaloisTool::get_elt_from_step and GaloisKeys::get_index).
 */
export function galoisIndex(step: number, n: number): number {
  return (galoisElement(step, n) - 1) / 2;
}

const HEADER = 16;
/** SEAL 4.1 (node-seal 6.0.3) writes these; a blob from any other version is refused, not guessed at. */
const VERSION = [4, 1];
/** A serialized PRNG seed: header, type byte, 64 bytes of seed. */
const SEED = HEADER + 1 + 64;

class Malformed extends Error {}
class Unseeded extends Error {}

/** The KeyGenerator call that makes each kind of key in the seeded form the enclave accepts. */
const SEEDED_BY: Record<string, string> = {
  'the public key': 'KeyGenerator.createPublicKeySerializable',
  'the Galois keys': 'KeyGenerator.createGaloisKeysSerializable',
  'the relinearization keys': 'KeyGenerator.createRelinKeysSerializable',
};

function fail(): never {
  throw new Malformed();
}

/** A bounded reader over one SEAL object: every read past the end is a malformed blob. */
class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): number {
    if (this.at + n > this.bytes.length) fail();
    const start = this.at;
    this.at += n;
    return start;
  }
  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u64(): number {
    const at = this.need(8);
    const hi = this.view.getUint32(at + 4, true);
    // Every count SEAL writes here is far below 2^32; anything larger is not an object we accept.
    if (hi !== 0) fail();
    return this.view.getUint32(at, true);
  }
  f64(): number {
    return this.view.getFloat64(this.need(8), true);
  }
  /** A SEAL header at the cursor: its size, which must fit what is left. */
  header(): number {
    const start = this.at;
    if (this.view.getUint16(this.need(2), true) !== 0xa15e) fail();
    if (this.u8() !== HEADER || this.u8() !== VERSION[0] || this.u8() !== VERSION[1]) fail();
    // Compression mode 0: SEAL's zstd and zlib decoders are never run on a bank's bytes (zstd aborts on damaged input).
    if (this.u8() !== 0) throw new Compressed();
    this.need(2);
    const size = this.u64();
    if (size < HEADER || start + size > this.bytes.length) fail();
    return size;
  }
  parmsId(expected: BigUint64Array): void {
    const at = this.need(32);
    for (let k = 0; k < 4; k++) if (this.view.getBigUint64(at + 8 * k, true) !== expected[k]) fail();
  }
}

class Compressed extends Error {}

/** Checks `count` coefficients from the cursor, poly-major then RNS-component-major, against their moduli. */
function assertBelowModuli(r: Reader, polys: number, n: number, moduli: BigUint64Array): void {
  const hiOf = Array.from(moduli, (q) => Number(q >> 32n));
  const loOf = Array.from(moduli, (q) => Number(q & 0xffffffffn));
  const start = r.need(polys * moduli.length * n * 8);
  let at = start;
  for (let p = 0; p < polys; p++) {
    for (let i = 0; i < moduli.length; i++) {
      const qhi = hiOf[i];
      const qlo = loOf[i];
      for (let c = 0; c < n; c++, at += 8) {
        const hi = r.view.getUint32(at + 4, true);
        if (hi > qhi || (hi === qhi && r.view.getUint32(at, true) >= qlo)) fail();
      }
    }
  }
}

interface CipherShape {
  parmsId: BigUint64Array;
  moduli: BigUint64Array;
  n: number;
  /** Required scale, or undefined to accept what a fresh ciphertext may carry (checked by the caller). */
  scale: (scale: number) => boolean;
  /** Only the seeded form: the second polynomial is expanded from a seed, so the sender cannot choose it. */
  seeded?: boolean;
}

/** One ciphertext (or public key, which SEAL serializes as one) at the cursor; returns the cursor after it. */
function readCipher(r: Reader, shape: CipherShape): void {
  const start = r.at;
  const size = r.header();
  r.parmsId(shape.parmsId);
  if (r.u8() !== 1) fail(); // CKKS ciphertexts live in NTT form
  const polys = r.u64();
  if (polys !== 2 || r.u64() !== shape.n || r.u64() !== shape.moduli.length) fail();
  if (!shape.scale(r.f64())) fail();
  if (r.u64() !== 1) fail(); // correction factor: BGV's, always 1 in CKKS
  const arraySize = r.header();
  const count = r.u64();
  const perPoly = shape.n * shape.moduli.length;
  // A seeded blob carries the first polynomial and the seed of the second; a full one carries both.
  if ((count !== perPoly && count !== 2 * perPoly) || arraySize !== HEADER + 8 + 8 * count) fail();
  if (shape.seeded && count !== perPoly) throw new Unseeded();
  const data = r.at;
  assertBelowModuli(r, count / perPoly, shape.n, shape.moduli);
  // A full ciphertext whose second polynomial is zero is transparent: it hides nothing, and SEAL refuses to compute with it.
  if (count === 2 * perPoly && new Uint8Array(r.bytes.buffer, r.bytes.byteOffset + data + perPoly * 8, perPoly * 8).every((b) => b === 0)) fail();
  if (count === perPoly) {
    if (r.header() !== SEED) fail();
    const prng = r.u8();
    if (prng !== 1 && prng !== 2) fail(); // blake2xb or shake256
    r.need(64);
  }
  if (r.at - start !== size) fail();
}

function checked(what: string, code: 'bad_ciphertext' | 'bad_key', check: () => void): void {
  const plural = what.endsWith('keys');
  try {
    check();
  } catch (e) {
    if (e instanceof Compressed) throw new JointlabError(code, `${what} ${plural ? 'are' : 'is'} compressed; send SEAL objects uncompressed (compression mode none)`, 'usage');
    if (e instanceof Unseeded) {
      const form = plural ? 'new ones (%s, second polynomials as seeds)' : 'a new one (%s, its second polynomial as a seed)';
      throw new JointlabError(code, `${what} must be sent as SEAL serializes ${form.replace('%s', SEEDED_BY[what] ?? 'a Serializable')}`, 'usage');
    }
    if (e instanceof Malformed) throw new JointlabError(code, `${what} ${plural ? 'do' : 'does'} not load under this session's parameters`, 'usage');
    throw e;
  }
}

/** A fresh ciphertext from a bank: top level, two polynomials, the parameter set's scale, coefficients in range. */
export function assertCiphertext(f: ParamFacts, bytes: Uint8Array, what: string): void {
  checked(what, 'bad_ciphertext', () => {
    const r = new Reader(bytes);
    readCipher(r, { parmsId: f.firstParmsId, moduli: f.firstModuli, n: f.polyModulusDegree, scale: (s) => Number.isFinite(s) && s > 0 && Math.abs(Math.log2(s) - Math.log2(f.scale)) <= 0.01 });
    if (r.at !== bytes.length) fail();
  });
}

/**
 * Every key the enclave accepts is seeded: the second polynomial of each of its encryptions is expanded
 * from a seed, so a bank never chooses a polynomial that a key switch multiplies into the enclave's
 * ciphertexts. (The first polynomials it still chooses; rerandomize.ts is what makes those harmless.)
 */
const keyShape = (f: ParamFacts): CipherShape => ({ parmsId: f.keyParmsId, moduli: f.keyModuli, n: f.polyModulusDegree, scale: (s) => s === 1, seeded: true });

export function assertPublicKey(f: ParamFacts, bytes: Uint8Array): void {
  checked('the public key', 'bad_key', () => {
    const r = new Reader(bytes);
    // Seeded only: the enclave's encryptions of zero under this key re-randomize what the bank gets
    // back, and a second polynomial the bank chose (a constant, say) would leave it readable, unflooded.
    readCipher(r, keyShape(f));
    if (r.at !== bytes.length) fail();
  });
}

/**
 * Galois keys: key-level parms id, key-switching keys only for declared rotation steps, each a
 * well-formed seeded encryption; with `complete`, one for every declared step (the protocol rotates by all).
 */
export function assertGaloisKeys(f: ParamFacts, bytes: Uint8Array, complete: boolean): void {
  const declared = new Map(f.rotationSteps.map((step) => [galoisIndex(step, f.polyModulusDegree), step]));
  const missing = new Set(declared.values());
  checked('the Galois keys', 'bad_key', () => {
    const r = new Reader(bytes);
    if (r.header() !== bytes.length) fail();
    r.parmsId(f.keyParmsId);
    const elements = r.u64();
    if (elements > f.polyModulusDegree) fail();
    const decomposition = f.keyModuli.length - 1;
    for (let index = 0; index < elements; index++) {
      const parts = r.u64();
      if (parts === 0) continue;
      if (parts !== decomposition || !declared.has(index)) fail();
      missing.delete(declared.get(index)!);
      for (let k = 0; k < parts; k++) readCipher(r, keyShape(f));
    }
    if (r.at !== bytes.length) fail();
  });
  if (complete && missing.size) throw new JointlabError('bad_key', `the Galois keys lack rotation step ${Math.min(...missing)}`, 'usage');
}

/** Relinearization keys (for the label check): key-level parms id, exactly one key-switching key, for s^2 at index 0, seeded. */
export function assertRelinKeys(f: ParamFacts, bytes: Uint8Array): void {
  checked('the relinearization keys', 'bad_key', () => {
    const r = new Reader(bytes);
    if (r.header() !== bytes.length) fail();
    r.parmsId(f.keyParmsId);
    if (r.u64() !== 1) fail();
    const parts = r.u64();
    if (parts !== f.keyModuli.length - 1) fail();
    for (let k = 0; k < parts; k++) readCipher(r, keyShape(f));
    if (r.at !== bytes.length) fail();
  });
}
