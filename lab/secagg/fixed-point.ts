/**
 * Fixed-point encoding of float vectors modulo 2^64, the ring secure aggregation sums in.
 *
 * A value v becomes round(v * 2^scaleBits) as a two's-complement 64-bit integer. With the default
 * 2^24 the rounding error is at most 2^-25 (about 3e-8) per value and member, and a SUM over the
 * members must stay within +-2^(63 - scaleBits) (about 5.5e11 at 2^24); encode refuses larger
 * magnitudes so that a sum cannot silently wrap around.
 */
import { JointlabError } from '../errors';

export const DEFAULT_SCALE_BITS = 24;

/** The largest magnitude one member may encode when `members` values are summed. */
export function encodingLimit(scaleBits: number, members: number): number {
  return 2 ** (63 - scaleBits) / Math.max(1, members);
}

/** Encodes each value; `members` is how many vectors will be summed (each gets its share of the range). */
export function encodeFixed(values: ArrayLike<number>, scaleBits = DEFAULT_SCALE_BITS, members = 1): BigUint64Array {
  const limit = encodingLimit(scaleBits, members);
  const scale = 2 ** scaleBits;
  const out = new BigUint64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // A non-finite or too-large statistic would wrap the ring: said with its position, never its value.
    if (!Number.isFinite(v) || Math.abs(v) >= limit) throw new JointlabError('secagg_range', `entry ${i} of the statistic is outside the fixed-point range (|v| < ${limit.toExponential(2)})`, 'validation');
    // Typed-array assignment reduces the signed integer modulo 2^64.
    out[i] = BigInt(Math.round(v * scale));
  }
  return out;
}

/** Reads each entry as a signed 64-bit integer and divides by the scale. */
export function decodeFixed(encoded: BigUint64Array, scaleBits = DEFAULT_SCALE_BITS): Float64Array {
  const scale = 2 ** scaleBits;
  const out = new Float64Array(encoded.length);
  for (let i = 0; i < encoded.length; i++) out[i] = Number(BigInt.asIntN(64, encoded[i])) / scale;
  return out;
}

/** Sums vectors entry by entry modulo 2^64 (typed-array assignment wraps). */
export function sumModular(vectors: readonly BigUint64Array[]): BigUint64Array {
  if (vectors.length === 0) throw new JointlabError('secagg_empty', 'nothing to sum', 'validation');
  const n = vectors[0].length;
  const out = new BigUint64Array(n);
  for (const v of vectors) {
    if (v.length !== n) throw new JointlabError('secagg_length', `masked vectors differ in length (${v.length} against ${n})`, 'validation');
    for (let i = 0; i < n; i++) out[i] += v[i];
  }
  return out;
}

/** Little-endian bytes of a ring vector, for transport (base64 in JSON). */
export function ringToBytes(vector: BigUint64Array): Buffer {
  const out = Buffer.alloc(vector.length * 8);
  for (let i = 0; i < vector.length; i++) out.writeBigUInt64LE(vector[i], i * 8);
  return out;
}

export function ringFromBytes(bytes: Buffer, expectedLength?: number): BigUint64Array {
  if (bytes.length % 8 !== 0 || (expectedLength !== undefined && bytes.length !== expectedLength * 8)) {
    throw new JointlabError('secagg_length', `a masked vector must be ${expectedLength ?? 'a whole number of'} 8-byte entries`, 'usage');
  }
  const out = new BigUint64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readBigUInt64LE(i * 8);
  return out;
}
