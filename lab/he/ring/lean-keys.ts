/**
 * A bank's CKKS keys and label encryptions made without SEAL, in SEAL's exact byte layout: a SEAL
 * context builds NTT tables for every prime of every level it knows (about 0.36 s for the key and top
 * data levels at n16384, before any key), while the ring here derives the same primes, parms ids and
 * NTT in about 12 ms (ring.ts). What it writes is what SEAL's KeyGenerator and Encryptor write for
 * the same secret: the secret key (a plaintext in NTT form at the key level), and seeded encryptions
 * of zero under it for the public key, the Galois keys and the relinearization keys, each key-
 * switching key one encryption per data prime i carrying (special prime mod q_i) times the target key
 * in prime i's row (SEAL's generate_one_kswitch_key). Labels are seeded encryptions at the top data
 * level. Every second polynomial is expanded from a seed by SHAKE256 (seeded-uniform.ts); the enclave's
 * SEAL expands the same one. Secrets and noise come from Node's CSPRNG: the ternary secret uniform
 * over {-1, 0, 1}, the noise SEAL's centered binomial of standard deviation 3.24.
 * test/lab/he/ring/lean-keys.test.ts has SEAL load, use and decrypt all of it.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { PARAM_SETS, ParamSetName, galoisElement } from '../params';
import { pairCoefficients } from '../ckks-encoding';
import { PLAIN_DATA_AT, kswitchKeysBytes, plainBytes, seededCipherBytes } from '../seal-objects';
import { Ring } from './ring';
import { ckksParmsId, sealPrimes } from './ring-primes';
import { SEED_BYTES, SHAKE256_PRNG, sampleUniform } from './seeded-uniform';

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => b.toString(2).replace(/0/g, '').length);
/** Whole numbers from 2^62 on may lose their residues in the kernels' conversion (which saturates at 2^63). */
const COEFFICIENT_LIMIT = 2 ** 62;

function bitReverse(x: number, bits: number): number {
  let r = 0;
  for (let b = 0; b < bits; b++) r |= ((x >> b) & 1) << (bits - 1 - b);
  return r;
}

/** SEAL's permutation of NTT values for Galois element `element`: entry k of the result is entry table[k] of the input. */
function galoisTable(element: number, n: number): Int32Array {
  const bits = Math.log2(n);
  // element < 2N and the reversed index < 2N: the product is below 2^32 for N up to 2^15, read unsigned by >>>.
  return Int32Array.from({ length: n }, (_, k) => bitReverse(((element * bitReverse(n + k, bits + 1)) >>> 1) & (n - 1), bits));
}

/** One draw of SEAL's centered binomial noise per coefficient: 21 coin pairs, in [-21, 21]. */
function binomialNoise(into: Float64Array): void {
  const bytes = randomFillSync(new Uint8Array(6 * into.length));
  for (let k = 0, b = 0; k < into.length; k++, b += 6) {
    into[k] = POPCOUNT[bytes[b]] + POPCOUNT[bytes[b + 1]] + POPCOUNT[bytes[b + 2] & 0x1f] - POPCOUNT[bytes[b + 3]] - POPCOUNT[bytes[b + 4]] - POPCOUNT[bytes[b + 5] & 0x1f];
  }
  // With a public key's two polynomials, the noise gives back the secret key: no copy outlives its use.
  bytes.fill(0);
}

/** Uniform over {-1, 0, 1} per coefficient (bytes of 255 drawn again, so 255 values split evenly in three). */
function ternary(into: Float64Array): void {
  const bytes = new Uint8Array(into.length);
  for (let k = 0; k < into.length; ) {
    randomFillSync(bytes);
    for (let b = 0; b < bytes.length && k < into.length; b++) if (bytes[b] < 255) into[k++] = (bytes[b] % 3) - 1;
  }
  bytes.fill(0);
}

export interface LeanKeyOptions {
  /** Relinearization keys too (the enclave's label check). */
  relinKeys?: boolean;
  /** Given the secret key's bytes (SEAL's, uncompressed) once, at creation; they are not kept here. */
  secretKeyTo?: (bytes: Uint8Array) => void;
}

export class LeanKeys {
  private readonly ring: Ring;
  private readonly p: number;
  private readonly scale: number;
  private readonly keyParmsId: BigUint64Array;
  private readonly firstParmsId: BigUint64Array;
  /** Rows: the secret key, in normal and in Montgomery form, the sample's two polynomials, what is added to c0, the noise, a target key or message, one row of doubles, one of zeros. */
  private readonly rows: { s: number; sm: number; c0: number; c1: number; add: number; e: number; t: number; m: number; f: number; zero: number };
  private disposed = false;
  readonly publicKeyBytes: Uint8Array;
  readonly galoisKeyBytes: Uint8Array;
  readonly relinKeyBytes: Uint8Array;
  readonly slots: number;

  private constructor(
    readonly paramSet: ParamSetName,
    rotationSteps: number[],
    options: LeanKeyOptions,
  ) {
    const set = PARAM_SETS[paramSet];
    const n = set.polyModulusDegree;
    const primes = sealPrimes(n, set.coeffBits);
    const p = primes.length;
    this.p = p;
    this.slots = n / 2;
    this.scale = 2 ** set.scaleBits;
    this.keyParmsId = ckksParmsId(n, primes);
    this.firstParmsId = ckksParmsId(n, primes.slice(0, -1));
    this.ring = new Ring(n, primes, 7 * p + 3);
    const first = this.ring.free;
    this.rows = { s: first, sm: first + p, c0: first + 2 * p, c1: first + 3 * p, add: first + 4 * p, e: first + 5 * p, t: first + 6 * p, m: first + 7 * p, f: first + 7 * p + 1, zero: first + 7 * p + 2 };
    try {
      this.makeSecret(options.secretKeyTo);
      this.publicKeyBytes = this.encryption(p, () => undefined, 1);
      this.galoisKeyBytes = rotationSteps.length ? this.galoisKeys(rotationSteps) : new Uint8Array(0);
      this.relinKeyBytes = options.relinKeys ? this.relinKeys() : new Uint8Array(0);
    } catch (e) {
      this.ring.wipe();
      throw e;
    }
  }

  /** A fresh key set: public, Galois keys for exactly `rotationSteps`, relinearization keys if asked. */
  static make(paramSet: ParamSetName, rotationSteps: number[], options: LeanKeyOptions = {}): LeanKeys {
    return new LeanKeys(paramSet, rotationSteps, options);
  }

  private makeSecret(secretKeyTo: LeanKeyOptions['secretKeyTo']): void {
    const { ring, rows, p } = this;
    ternary(ring.doubles(rows.f));
    for (let j = 0; j < p; j++) {
      ring.residues(rows.s + j, rows.f, j);
      ring.ntt(rows.s + j, j);
      ring.toMontgomery(rows.sm + j, rows.s + j, j);
    }
    ring.doubles(rows.f).fill(0);
    if (secretKeyTo) {
      const bytes = plainBytes(this.keyParmsId, 1, p * ring.n);
      bytes.set(ring.bytes(rows.s, p), PLAIN_DATA_AT);
      secretKeyTo(bytes);
    }
  }

  /**
   * A seeded encryption under the secret key at the level of the first `level` primes: c1 expanded
   * from a fresh seed, c0 = message - (c1 s + e), the message row of prime j given by `message` (none:
   * an encryption of zero).
   */
  private encryption(level: number, message: (j: number) => number | undefined, scale: number): Uint8Array {
    const { ring, rows } = this;
    const seed = randomBytes(SEED_BYTES);
    sampleUniform(ring, seed, rows.c1, level);
    binomialNoise(ring.doubles(rows.f));
    for (let j = 0; j < level; j++) {
      ring.residues(rows.e + j, rows.f, j);
      ring.ntt(rows.e + j, j);
      ring.sub(rows.add + j, message(j) ?? rows.zero, rows.e + j, j);
      ring.encrypt(rows.c0 + j, rows.c1 + j, rows.sm + j, rows.add + j, j);
    }
    ring.doubles(rows.f).fill(0);
    const parmsId = level === this.p ? this.keyParmsId : this.firstParmsId;
    return seededCipherBytes(ring.n, level, parmsId, scale, ring.bytes(rows.c0, level), SHAKE256_PRNG, seed);
  }

  /** One key-switching key to the key in rows t.. (NTT form, every prime): per data prime i, an encryption of zero plus (special prime mod q_i) times the key's row i in row i. */
  private kswitchKey(): Uint8Array[] {
    const { ring, rows, p } = this;
    const special = ring.primes[p - 1];
    return Array.from({ length: p - 1 }, (_, i) => {
      ring.scaleBy(rows.m, rows.t + i, special % ring.primes[i], i);
      return this.encryption(p, (j) => (j === i ? rows.m : undefined), 1);
    });
  }

  private galoisKeys(steps: number[]): Uint8Array {
    const { ring, rows, p } = this;
    const n = ring.n;
    const keys = new Map<number, Uint8Array[]>();
    for (const step of steps) {
      const element = galoisElement(step, n);
      const index = (element - 1) / 2;
      if (keys.has(index)) continue;
      const table = galoisTable(element, n);
      const from = ring.words(rows.s, p);
      const to = ring.words(rows.t, p);
      for (let j = 0; j < p; j++) {
        const base = 2 * j * n;
        for (let k = 0; k < n; k++) {
          to[base + 2 * k] = from[base + 2 * table[k]];
          to[base + 2 * k + 1] = from[base + 2 * table[k] + 1];
        }
      }
      keys.set(index, this.kswitchKey());
    }
    return kswitchKeysBytes(this.keyParmsId, n, keys);
  }

  private relinKeys(): Uint8Array {
    const { ring, rows, p } = this;
    for (let j = 0; j < p; j++) ring.mul(rows.t + j, rows.s + j, rows.sm + j, j);
    return kswitchKeysBytes(this.keyParmsId, 1, new Map([[0, this.kswitchKey()]]));
  }

  /** Encrypts up to `slots` real values, one per slot (zeros after them), at the top data level, seeded, as SEAL's encryptSymmetricSerializable does. */
  encrypt(values: ArrayLike<number>): Uint8Array {
    const { ring, rows, p } = this;
    // Disposed, the secret key's rows are zeros: an "encryption" would carry the values in the clear.
    if (this.disposed) throw new Error('these keys were disposed of');
    if (values.length > this.slots) throw new RangeError(`at most ${this.slots} values fit one ciphertext`);
    for (let k = 0; k < values.length; k++) if (!Number.isFinite(values[k])) throw new RangeError(`value ${k} is not a finite number`);
    const coefficients = ring.doubles(rows.f);
    pairCoefficients(ring.n, { values: Float64Array.from(values), bound: Infinity }, undefined, this.scale, coefficients);
    for (const c of coefficients) if (!(Math.abs(c) < COEFFICIENT_LIMIT)) throw new RangeError('values too large to encode at this scale');
    for (let j = 0; j < p - 1; j++) {
      ring.residues(rows.t + j, rows.f, j);
      ring.ntt(rows.t + j, j);
    }
    return this.encryption(p - 1, (j) => rows.t + j, this.scale);
  }

  /** Zeroes the secret key and every other row. */
  dispose(): void {
    this.disposed = true;
    this.ring.wipe();
  }
}
