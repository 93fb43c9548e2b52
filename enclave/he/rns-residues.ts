/**
 * Whole numbers written as SEAL writes a polynomial at a level: one residue per prime, component after
 * component, each a little-endian 64-bit word. Used where the enclave builds SEAL objects by hand (the
 * sampled flood, the paired basis columns of private scoring).
 */

/** Largest |value| accepted: a double holds every whole number below it that the callers make exactly. */
const LIMIT = 2 ** 62;
const WORD = 4294967296;

/**
 * Writes `values` (whole numbers, |v| < 2^62) modulo each of `moduli` into `words` (32-bit halves, low
 * first), from word `at`, prime after prime. Each value is split into words once for all the primes;
 * a value past a prime is reduced by subtracting it, or, many primes past it, by a BigInt remainder.
 */
export function writeResidueWords(words: Uint32Array, at: number, values: Float64Array, moduli: ArrayLike<bigint>): void {
  const n = values.length;
  const qhi = Float64Array.from(Array.from(moduli, (q) => Number(q >> 32n)));
  const qlo = Float64Array.from(Array.from(moduli, (q) => Number(q & 0xffffffffn)));
  for (let c = 0; c < n; c++) {
    const v = values[c];
    const a = v < 0 ? -v : v;
    if (!(a < LIMIT)) throw new RangeError(`a residue's value is below 2^62 in size, not ${v}`);
    // Exact: a is a whole number, and dividing by a power of two and flooring lose nothing below 2^62.
    const high = Math.floor(a / WORD);
    const low = a - high * WORD;
    for (let j = 0, w = at + 2 * c; j < qhi.length; j++, w += 2 * n) {
      let lo = low;
      let hi = high;
      if (hi >= 8 * (qhi[j] + 1)) {
        // Many primes' worth (a prime far below the value): the remainder, exact, in BigInt.
        const r = BigInt(a) % moduli[j];
        hi = Number(r >> 32n);
        lo = Number(r & 0xffffffffn);
      }
      while (hi > qhi[j] || (hi === qhi[j] && lo >= qlo[j])) {
        lo -= qlo[j];
        hi -= qhi[j];
        if (lo < 0) {
          lo += WORD;
          hi -= 1;
        }
      }
      if (v < 0 && (lo !== 0 || hi !== 0)) {
        // q - |v| mod q, word by word with a borrow.
        lo = qlo[j] - lo;
        hi = qhi[j] - hi;
        if (lo < 0) {
          lo += WORD;
          hi -= 1;
        }
      }
      words[w] = lo;
      words[w + 1] = hi;
    }
  }
}

/** The same into `bytes` from byte `at` (any alignment): residues are computed into aligned words, then copied. */
export function writeResidues(bytes: Uint8Array, at: number, values: Float64Array, moduli: ArrayLike<bigint>): void {
  const words = new Uint32Array(2 * values.length * moduli.length);
  writeResidueWords(words, 0, values, moduli);
  bytes.set(new Uint8Array(words.buffer), at);
}
