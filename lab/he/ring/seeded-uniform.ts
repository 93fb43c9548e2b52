/**
 * A uniform polynomial expanded from a public seed exactly as SEAL expands it, so that a bank can send
 * the seed in place of the polynomial (half a key's bytes) and the enclave's SEAL rebuilds the same
 * one. SEAL's SHAKE256 generator (PRNG type 2) yields blocks of 4,096 bytes, block k being
 * SHAKE256(seed || k as 64 little-endian bits); `sample_poly_uniform` (SEAL 4) reads 8 bytes per
 * residue, prime by prime, all at once, then replaces each word at or above the largest multiple of q
 * below 2^64 by the stream's next 8 bytes until it is below, and reduces it modulo q.
 */
import { createHash } from 'node:crypto';
import type { Ring } from './ring';

/** SEAL's prng_type value for SHAKE256. */
export const SHAKE256_PRNG = 2;
/** SEAL's seed: 8 words. */
export const SEED_BYTES = 64;
const BLOCK = 4096;
const MAX = (1n << 64n) - 1n;

class Shake256Stream {
  private block = new Uint8Array(0);
  private at = 0;
  private counter = 0n;
  private readonly count = new DataView(new ArrayBuffer(8));

  constructor(private readonly seed: Uint8Array) {}

  read(into: Uint8Array): void {
    for (let filled = 0; filled < into.length; ) {
      if (this.at === this.block.length) {
        this.count.setBigUint64(0, this.counter++, true);
        this.block = createHash('shake256', { outputLength: BLOCK }).update(this.seed).update(new Uint8Array(this.count.buffer)).digest();
        this.at = 0;
      }
      const take = Math.min(into.length - filled, this.block.length - this.at);
      into.set(this.block.subarray(this.at, this.at + take), filled);
      this.at += take;
      filled += take;
    }
  }
}

/** Rows `first` .. `first + count - 1` of `ring` set to the uniform polynomial SEAL expands from `seed`, modulo the ring's first `count` primes. */
export function sampleUniform(ring: Ring, seed: Uint8Array, first: number, count: number): void {
  if (seed.length !== SEED_BYTES) throw new RangeError(`a seed is ${SEED_BYTES} bytes`);
  const stream = new Shake256Stream(seed);
  stream.read(ring.bytes(first, count));
  const words = ring.words(first, count);
  const extra = new Uint8Array(8);
  const extraWords = new Uint32Array(extra.buffer);
  for (let j = 0; j < count; j++) {
    const q = ring.primes[j];
    const limit = MAX - (MAX % q) - 1n;
    const hi = Number(limit >> 32n);
    const lo = Number(limit & 0xffffffffn);
    for (let k = 2 * j * ring.n, end = 2 * (j + 1) * ring.n; k < end; k += 2) {
      while (words[k + 1] > hi || (words[k + 1] === hi && words[k] >= lo)) {
        stream.read(extra);
        words[k] = extraWords[0];
        words[k + 1] = extraWords[1];
      }
    }
    ring.reduce(first + j, j);
  }
}
