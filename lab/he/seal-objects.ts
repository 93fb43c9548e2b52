/**
 * SEAL 4.1 objects written by hand (node-seal 6.0.3 writes the same): a ciphertext of two polynomials
 * and a plaintext of one, headers in place and coefficients zero, for the enclave to fill with
 * residues it computed itself (the sampled flood, private scoring's paired columns and products);
 * and the seeded ciphertexts and key-switching keys a bank makes without SEAL (lab/he/ring/lean-keys.ts).
 * enclave/he/seal-bytes.ts reads the same layout when it checks a bank's objects.
 */

/** SEAL's serialization header: magic, header size, version, compression, then the object's size. */
const HEADER = 16;

function writeHeader(view: DataView, at: number, size: number): void {
  view.setUint16(at, 0xa15e, true);
  view.setUint8(at + 2, HEADER);
  view.setUint8(at + 3, 4); // SEAL 4.1, no compression
  view.setUint8(at + 4, 1);
  view.setBigUint64(at + 8, BigInt(size), true);
}

/** A ciphertext's fields before its coefficients: parms id, NTT flag, size, N, primes, scale, correction factor, then its data array's header and count. */
const NTT_FLAG_AT = HEADER + 32;
const SCALE_AT = NTT_FLAG_AT + 1 + 8 + 8 + 8;

/** Byte offset of the first coefficient in `cipherBytes`. */
export const CIPHER_DATA_AT = SCALE_AT + 8 + 8 + HEADER + 8;

/** The bytes of a two-polynomial ciphertext at the level of `parmsId`, all coefficients zero, in coefficient form unless `ntt`. */
export function cipherBytes(n: number, moduli: number, parmsId: BigUint64Array, scale: number, ntt = false): Uint8Array {
  const count = 2 * n * moduli;
  const bytes = new Uint8Array(CIPHER_DATA_AT + 8 * count);
  const view = new DataView(bytes.buffer);
  writeHeader(view, 0, bytes.length);
  parmsId.forEach((v, k) => view.setBigUint64(HEADER + 8 * k, v, true));
  view.setUint8(NTT_FLAG_AT, ntt ? 1 : 0);
  view.setBigUint64(NTT_FLAG_AT + 1, 2n, true);
  view.setBigUint64(NTT_FLAG_AT + 9, BigInt(n), true);
  view.setBigUint64(NTT_FLAG_AT + 17, BigInt(moduli), true);
  view.setFloat64(SCALE_AT, scale, true);
  view.setBigUint64(SCALE_AT + 8, 1n, true); // correction factor: BGV's, 1 in CKKS
  writeHeader(view, SCALE_AT + 16, HEADER + 8 + 8 * count);
  view.setBigUint64(SCALE_AT + 16 + HEADER, BigInt(count), true);
  return bytes;
}

/** A plaintext's fields before its coefficients: parms id, coefficient count, scale, then its data array's header and count. */
export const PLAIN_DATA_AT = HEADER + 32 + 8 + 8 + HEADER + 8;

/** The bytes of a plaintext at the level of `parmsId` (in NTT form there), `count` coefficients, all zero. */
export function plainBytes(parmsId: BigUint64Array, scale: number, count: number): Uint8Array {
  const bytes = new Uint8Array(PLAIN_DATA_AT + 8 * count);
  const view = new DataView(bytes.buffer);
  writeHeader(view, 0, bytes.length);
  parmsId.forEach((v, k) => view.setBigUint64(HEADER + 8 * k, v, true));
  view.setBigUint64(HEADER + 32, BigInt(count), true);
  view.setFloat64(HEADER + 40, scale, true);
  writeHeader(view, HEADER + 48, HEADER + 8 + 8 * count);
  view.setBigUint64(HEADER + 48 + HEADER, BigInt(count), true);
  return bytes;
}

/** A seeded ciphertext's fields after its first polynomial: the seed's header, its PRNG type and 64 bytes. */
const SEED_INFO = HEADER + 1 + 64;

/**
 * The bytes of a seeded ciphertext in NTT form (SEAL's Serializable form of an encryption under the
 * secret key): its first polynomial's residues `c0` (`moduli` rows of N), then the seed its second
 * polynomial is expanded from, with the PRNG type that expands it.
 */
export function seededCipherBytes(n: number, moduli: number, parmsId: BigUint64Array, scale: number, c0: Uint8Array, prng: number, seed: Uint8Array): Uint8Array {
  const count = n * moduli;
  if (c0.length !== 8 * count || seed.length !== 64) throw new RangeError('a seeded ciphertext holds one polynomial and a 64-byte seed');
  const dataAt = CIPHER_DATA_AT;
  const bytes = new Uint8Array(dataAt + 8 * count + SEED_INFO);
  const view = new DataView(bytes.buffer);
  writeHeader(view, 0, bytes.length);
  parmsId.forEach((v, k) => view.setBigUint64(HEADER + 8 * k, v, true));
  view.setUint8(NTT_FLAG_AT, 1);
  view.setBigUint64(NTT_FLAG_AT + 1, 2n, true);
  view.setBigUint64(NTT_FLAG_AT + 9, BigInt(n), true);
  view.setBigUint64(NTT_FLAG_AT + 17, BigInt(moduli), true);
  view.setFloat64(SCALE_AT, scale, true);
  view.setBigUint64(SCALE_AT + 8, 1n, true);
  writeHeader(view, SCALE_AT + 16, HEADER + 8 + 8 * count);
  view.setBigUint64(SCALE_AT + 16 + HEADER, BigInt(count), true);
  bytes.set(c0, dataAt);
  const seedAt = dataAt + 8 * count;
  writeHeader(view, seedAt, SEED_INFO);
  view.setUint8(seedAt + HEADER, prng);
  bytes.set(seed, seedAt + HEADER + 1);
  return bytes;
}

/**
 * The bytes of SEAL's key-switching keys (Galois or relinearization keys): `slots` entries, each the
 * serialized encryptions of one key (one per decomposition prime) or none.
 */
export function kswitchKeysBytes(parmsId: BigUint64Array, slots: number, keys: Map<number, Uint8Array[]>): Uint8Array {
  let size = HEADER + 32 + 8 + 8 * slots;
  for (const parts of keys.values()) for (const part of parts) size += part.length;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  writeHeader(view, 0, size);
  parmsId.forEach((v, k) => view.setBigUint64(HEADER + 8 * k, v, true));
  view.setBigUint64(HEADER + 32, BigInt(slots), true);
  let at = HEADER + 40;
  for (let index = 0; index < slots; index++) {
    const parts = keys.get(index) ?? [];
    view.setBigUint64(at, BigInt(parts.length), true);
    at += 8;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
  }
  return bytes;
}
