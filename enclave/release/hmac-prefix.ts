/**
 * The first 8 bytes of HMAC-SHA-256(key, id) for many ids under one key, in JavaScript. HMAC hashes
 * the key's inner pad, then the id, and the outer pad, then that digest: each pad is one 64-byte
 * block, so its compression is the same for every id and is done once, leaving one compression for a
 * short id (up to 55 UTF-8 bytes) and one for the outer hash. Node's one-shot hashes did all four per
 * id, each crossing into C++: about 4 us an id, 0.25 s of a 30,000-id training design's two
 * fingerprints. The bytes are createHmac's (test/enclave/release/fingerprint.test.ts).
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** SHA-256's compression of the 64-byte block at `at` of `bytes` into `state`, with `w` as scratch. */
function compress(state: Int32Array, bytes: Uint8Array, at: number, w: Int32Array): void {
  for (let t = 0; t < 16; t++, at += 4) w[t] = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
  for (let t = 16; t < 64; t++) {
    const a = w[t - 15];
    const b = w[t - 2];
    w[t] = (w[t - 16] + (rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)) + w[t - 7] + (rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10))) | 0;
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  let f = state[5];
  let g = state[6];
  let h = state[7];
  for (let t = 0; t < 64; t++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
  state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0;
  state[7] = (state[7] + h) | 0;
}

/** A key (at most 64 bytes, as HMAC pads it) whose ids' HMAC-SHA-256 prefixes `prefix` computes. */
export class HmacPrefix {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private readonly w = new Int32Array(64);
  private readonly encoder = new TextEncoder();
  private message = new Uint8Array(128);
  private readonly digest = new Uint8Array(64);

  constructor(key: Uint8Array) {
    if (key.length > 64) throw new RangeError('HMAC keys past 64 bytes are hashed first; this takes the key itself');
    const pad = new Uint8Array(64);
    for (const [state, xor] of [
      [this.inner, 0x36],
      [this.outer, 0x5c],
    ] as const) {
      pad.fill(xor);
      for (let k = 0; k < key.length; k++) pad[k] = key[k] ^ xor;
      state.set(INITIAL);
      compress(state, pad, 0, this.w);
    }
    // The outer message: the inner digest, then SHA-256's padding for 64 + 32 bytes.
    this.digest[32] = 0x80;
    this.digest[62] = (96 * 8) >> 8;
    this.digest[63] = (96 * 8) & 0xff;
  }

  /** The first 8 bytes of HMAC-SHA-256(key, UTF-8 of id), big-endian (a lone surrogate is EF BF BD, as Buffer writes it). */
  prefix(id: string): bigint {
    // Up to 3 UTF-8 bytes per UTF-16 unit, and room for the padding.
    if (this.message.length < 3 * id.length + 72) this.message = new Uint8Array(2 * (3 * id.length + 72));
    const message = this.message;
    const length = this.encoder.encodeInto(id, message).written;
    const blocks = Math.ceil((length + 9) / 64);
    const end = blocks * 64;
    message[length] = 0x80;
    message.fill(0, length + 1, end);
    const bits = (64 + length) * 8;
    const high = Math.floor(bits / 2 ** 32);
    message[end - 8] = high >>> 24;
    message[end - 7] = (high >>> 16) & 0xff;
    message[end - 6] = (high >>> 8) & 0xff;
    message[end - 5] = high & 0xff;
    message[end - 4] = bits >>> 24;
    message[end - 3] = (bits >>> 16) & 0xff;
    message[end - 2] = (bits >>> 8) & 0xff;
    message[end - 1] = bits & 0xff;
    const { state, w, digest } = this;
    state.set(this.inner);
    for (let b = 0; b < blocks; b++) compress(state, message, 64 * b, w);
    for (let k = 0; k < 8; k++) {
      digest[4 * k] = state[k] >>> 24;
      digest[4 * k + 1] = (state[k] >>> 16) & 0xff;
      digest[4 * k + 2] = (state[k] >>> 8) & 0xff;
      digest[4 * k + 3] = state[k] & 0xff;
    }
    state.set(this.outer);
    compress(state, digest, 0, w);
    return (BigInt(state[0] >>> 0) << 32n) | BigInt(state[1] >>> 0);
  }
}
