/**
 * A secret key cut down to some of its primes, for a context whose key level is those primes (seal-
 * runtime.ts `last`). SEAL writes a secret key as a plaintext in NTT form: one row of N values per
 * prime of the key level, in the order of the primes, each row depending on that prime and N alone,
 * so the rows of the primes kept are the key under the smaller context. The bytes (SEAL 4.1, no
 * compression): a 16-byte SEAL header (magic 0xA15E, header size 16, compression mode at byte 5, whole
 * size at byte 8), the parms id (4 x 64 bits), the coefficient count (64 bits), the scale (a double),
 * then the data as an array of its own: another 16-byte header, its count (64 bits) and the values.
 */
const MAGIC = 0xa15e;
const HEADER = 16;
const DATA_AT = HEADER + 32 + 8 + 8 + HEADER + 8;

function checkHeader(view: DataView, at: number, size: number): void {
  if (view.getUint16(at, true) !== MAGIC || view.getUint8(at + 2) !== HEADER || view.getUint8(at + 5) !== 0 || view.getBigUint64(at + 8, true) !== BigInt(size)) {
    throw new Error('not an uncompressed SEAL secret key');
  }
}

/** How many primes (rows of N = `n` values) a secret key saved uncompressed holds. */
export const secretKeyPrimes = (bytes: Uint8Array, n: number): number => (bytes.length - DATA_AT) / (8 * n);

/** The key of `bytes` (saved uncompressed) keeping the rows `rows` (prime positions) of N = `n` values each, under `parmsId`. */
export function secretKeyRows(bytes: Uint8Array, n: number, rows: number[], parmsId: BigUint64Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = (bytes.length - DATA_AT) / 8;
  checkHeader(view, 0, bytes.length);
  checkHeader(view, DATA_AT - 8 - HEADER, bytes.length - (DATA_AT - 8 - HEADER));
  if (!Number.isInteger(count / n) || view.getBigUint64(48, true) !== BigInt(count) || view.getBigUint64(DATA_AT - 8, true) !== BigInt(count)) throw new Error('not a secret key of this degree');
  if (rows.some((r) => !Number.isInteger(r) || r < 0 || r >= count / n) || parmsId.length !== 4) throw new Error('no such rows');
  const kept = n * rows.length;
  const out = new Uint8Array(DATA_AT + 8 * kept);
  const put = new DataView(out.buffer);
  out.set(bytes.subarray(0, HEADER));
  put.setBigUint64(8, BigInt(out.length), true);
  parmsId.forEach((v, i) => put.setBigUint64(HEADER + 8 * i, v, true));
  put.setBigUint64(48, BigInt(kept), true);
  out.set(bytes.subarray(56, DATA_AT - 8 - HEADER), 56); // the scale, as it was
  out.set(bytes.subarray(DATA_AT - 8 - HEADER, DATA_AT - 8), DATA_AT - 8 - HEADER);
  put.setBigUint64(DATA_AT - 8 - HEADER + 8, BigInt(out.length - (DATA_AT - 8 - HEADER)), true);
  put.setBigUint64(DATA_AT - 8, BigInt(kept), true);
  rows.forEach((r, k) => out.set(bytes.subarray(DATA_AT + 8 * n * r, DATA_AT + 8 * n * (r + 1)), DATA_AT + 8 * n * k));
  return out;
}
