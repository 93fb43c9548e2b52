/**
 * The primes and roots SEAL derives from a parameter set, derived here the same way so that a bank
 * needs no SEAL context to make keys SEAL loads (lab/he/ring/lean-keys.ts): CoeffModulus.Create's
 * primes, each context's parms id, and the minimal primitive 2N-th root of unity SEAL's NTT uses.
 * test/lab/he/ring/ring-primes.test.ts checks each against SEAL.
 */
import { blake2b } from './blake2b';

const WITNESSES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];

export function powMod(base: bigint, exponent: bigint, q: bigint): bigint {
  let result = 1n;
  let b = base % q;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % q;
    b = (b * b) % q;
  }
  return result;
}

/** Miller-Rabin with the first twelve primes as witnesses: exact below 3.3 x 10^24, so for every 64-bit value. */
export function isPrime(x: bigint): boolean {
  if (x < 2n) return false;
  for (const p of WITNESSES) if (x % p === 0n) return x === p;
  let d = x - 1n;
  let r = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    r++;
  }
  return WITNESSES.every((a) => {
    let y = powMod(a, d, x);
    if (y === 1n || y === x - 1n) return true;
    for (let k = 1; k < r; k++) {
      y = (y * y) % x;
      if (y === x - 1n) return true;
    }
    return false;
  });
}

/**
 * SEAL's CoeffModulus.Create(n, bits): for each bit size, the largest primes below 2^bits that are
 * 1 modulo 2N, handed out smallest first, in the order the sizes appear.
 */
export function sealPrimes(n: number, bits: readonly number[]): bigint[] {
  const factor = BigInt(2 * n);
  const bySize = new Map<number, bigint[]>();
  for (const size of new Set(bits)) {
    const wanted = bits.filter((b) => b === size).length;
    const found: bigint[] = [];
    const lower = 1n << BigInt(size - 1);
    for (let value = (((1n << BigInt(size)) - 1n) / factor) * factor + 1n; found.length < wanted && value > lower; value -= factor) {
      if (isPrime(value)) found.push(value);
    }
    if (found.length < wanted) throw new Error(`not enough ${size}-bit primes for N = ${n}`);
    bySize.set(size, found);
  }
  return bits.map((size) => bySize.get(size)!.pop()!);
}

/** A primitive 2N-th root of unity modulo q (q = 1 mod 2N): g^((q-1)/2N) for the first g that gives one. */
export function primitiveRoot(n: number, q: bigint): bigint {
  const order = BigInt(2 * n);
  for (let g = 2n; g < 1000n; g++) {
    const root = powMod(g, (q - 1n) / order, q);
    if (powMod(root, BigInt(n), q) === q - 1n) return root;
  }
  throw new Error(`no primitive ${2 * n}-th root found modulo ${q}`);
}

/** SEAL's parms id of a CKKS parameter set: BLAKE2b-256 of the scheme (2), N, the primes and the plain modulus (0), as 64-bit words. */
export function ckksParmsId(n: number, primes: readonly bigint[]): BigUint64Array {
  const words = BigUint64Array.from([2n, BigInt(n), ...primes, 0n]);
  const digest = blake2b(new Uint8Array(words.buffer), 32);
  return new BigUint64Array(digest.buffer, digest.byteOffset, 4).slice();
}
