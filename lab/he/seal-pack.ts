/**
 * A transport packing of SEAL's uncompressed ciphertexts and keys: each coefficient, stored by SEAL
 * in 64 bits, is written in the bit width of its modulus (60 or 50 bits here), which makes uploads
 * about a tenth smaller at a cost of milliseconds. Everything else of the SEAL layout is copied as it
 * is. Unpacking rebuilds SEAL's exact bytes, which then pass the same checks as unpacked uploads
 * (enclave/he/seal-bytes.ts); a packed blob that does not follow the layout is refused here.
 */
import { JointlabError } from '../errors';

const HEADER = 16;
/** First byte of a packed blob: what follows is one ciphertext (or a public key) or key-switching keys (Galois, relinearization). */
const CIPHER = 0x43;
const KEYS = 0x4b;
const MAX_N = 32768;
const MAX_MODULI = 16;

class Malformed extends Error {}

function fail(): never {
  throw new Malformed();
}

/** A cursor over the input that refuses to read past its end. */
class Input {
  readonly view: DataView;
  at = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.bytes.length) fail();
    this.at += n;
    return this.bytes.subarray(this.at - n, this.at);
  }
  u64(): number {
    const b = this.take(8);
    const v = new DataView(b.buffer, b.byteOffset, 8);
    if (v.getUint32(4, true) !== 0) fail();
    return v.getUint32(0, true);
  }
}

/** A growing output buffer. */
class Output {
  private buffer: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.buffer = new Uint8Array(Math.max(capacity, 1 << 12));
  }
  reserve(n: number): number {
    if (this.length + n > this.buffer.length) {
      const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
      next.set(this.buffer.subarray(0, this.length));
      this.buffer = next;
    }
    this.length += n;
    return this.length - n;
  }
  put(bytes: Uint8Array): void {
    // Reserved first: reserving may replace the buffer.
    const at = this.reserve(bytes.length);
    this.buffer.set(bytes, at);
  }
  u64(n: number): void {
    const at = this.reserve(8);
    new DataView(this.buffer.buffer).setUint32(at, n, true);
  }
  get bytes(): Uint8Array {
    // Exactly its length, never a view of a larger buffer: a view would carry the whole buffer into a worker's message.
    return this.length === this.buffer.length ? this.buffer : this.buffer.slice(0, this.length);
  }
  get view(): DataView {
    return new DataView(this.buffer.buffer);
  }
  get raw(): Uint8Array {
    return this.buffer;
  }
}

/** Bit width of each modulus of a ciphertext: the largest coefficient met, so any modulus of 33 to 64 bits works. */
function widthsOf(data: DataView, at: number, polys: number, moduli: number, n: number, coefficients?: Uint32Array): number[] {
  const widths = new Array<number>(moduli).fill(33);
  for (let p = 0; p < polys; p++) {
    for (let i = 0; i < moduli; i++) {
      let hiMax = 0;
      const base = (p * moduli + i) * n;
      if (coefficients) for (let c = 0; c < n; c++) hiMax |= coefficients[2 * (base + c) + 1];
      else for (let c = 0; c < n; c++) hiMax |= data.getUint32(at + 8 * (base + c) + 4, true);
      widths[i] = Math.max(widths[i], 32 + (32 - Math.clz32(hiMax)));
    }
  }
  return widths;
}

/** Whether this machine stores words little-endian, as SEAL writes them: then rows are read and written as 32-bit words. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Bytes as 32-bit words (copied when they do not start on a word boundary). */
function words(bytes: Uint8Array): Uint32Array {
  // A copy through the constructor: a Buffer's slice() is a view, at the same offset.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

/** The high parts of a row, 28 bits each (a 60-bit modulus), two to seven bytes: the same bits, in the same order, as the general loop writes. */
function packHigh28(coefficients: Uint32Array, base: number, n: number, raw: Uint8Array, at: number): void {
  for (let c = 0; c < n; c += 2, at += 7) {
    const h0 = coefficients[2 * (base + c) + 1];
    const h1 = coefficients[2 * (base + c) + 3];
    raw[at] = h0 & 0xff;
    raw[at + 1] = (h0 >>> 8) & 0xff;
    raw[at + 2] = (h0 >>> 16) & 0xff;
    raw[at + 3] = ((h0 >>> 24) & 0x0f) | ((h1 & 0x0f) << 4);
    raw[at + 4] = (h1 >>> 4) & 0xff;
    raw[at + 5] = (h1 >>> 12) & 0xff;
    raw[at + 6] = (h1 >>> 20) & 0xff;
  }
}

function unpackHigh28(his: Uint8Array, row: Uint32Array, n: number): void {
  for (let c = 0, at = 0; c < n; c += 2, at += 7) {
    row[2 * c + 1] = his[at] | (his[at + 1] << 8) | (his[at + 2] << 16) | ((his[at + 3] & 0x0f) << 24);
    row[2 * c + 3] = (his[at + 3] >>> 4) | (his[at + 4] << 4) | (his[at + 5] << 12) | (his[at + 6] << 20);
  }
}

/** The high parts of a row, 18 bits each (a 50-bit modulus), four to nine bytes: the same bits as the general loop writes. */
function packHigh18(coefficients: Uint32Array, base: number, n: number, raw: Uint8Array, at: number): void {
  for (let c = 0; c < n; c += 4, at += 9) {
    const h0 = coefficients[2 * (base + c) + 1];
    const h1 = coefficients[2 * (base + c) + 3];
    const h2 = coefficients[2 * (base + c) + 5];
    const h3 = coefficients[2 * (base + c) + 7];
    raw[at] = h0 & 0xff;
    raw[at + 1] = (h0 >>> 8) & 0xff;
    raw[at + 2] = ((h0 >>> 16) & 0x03) | ((h1 & 0x3f) << 2);
    raw[at + 3] = (h1 >>> 6) & 0xff;
    raw[at + 4] = ((h1 >>> 14) & 0x0f) | ((h2 & 0x0f) << 4);
    raw[at + 5] = (h2 >>> 4) & 0xff;
    raw[at + 6] = ((h2 >>> 12) & 0x3f) | ((h3 & 0x03) << 6);
    raw[at + 7] = (h3 >>> 2) & 0xff;
    raw[at + 8] = (h3 >>> 10) & 0xff;
  }
}

function unpackHigh18(his: Uint8Array, row: Uint32Array, n: number): void {
  for (let c = 0, at = 0; c < n; c += 4, at += 9) {
    row[2 * c + 1] = his[at] | (his[at + 1] << 8) | ((his[at + 2] & 0x03) << 16);
    row[2 * c + 3] = (his[at + 2] >>> 2) | (his[at + 3] << 6) | ((his[at + 4] & 0x0f) << 14);
    row[2 * c + 5] = (his[at + 4] >>> 4) | (his[at + 5] << 4) | ((his[at + 6] & 0x3f) << 12);
    row[2 * c + 7] = (his[at + 6] >>> 6) | (his[at + 7] << 2) | (his[at + 8] << 10);
  }
}

/** The row packers with a fast path, by the bits of the high part (60- and 50-bit moduli): each a multiple of coefficients per whole bytes. */
const FAST_HIGH: Record<number, { every: number; pack: typeof packHigh28; unpack: typeof unpackHigh28 }> = {
  28: { every: 2, pack: packHigh28, unpack: unpackHigh28 },
  18: { every: 4, pack: packHigh18, unpack: unpackHigh18 },
};

/** Packs one ciphertext's coefficients: per modulus the low 32 bits, then the high bits, LSB first. */
function packArray(input: Input, out: Output, polys: number, moduli: number, n: number): void {
  const data = input.take(8 * polys * moduli * n);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const coefficients = LITTLE_ENDIAN ? words(data) : undefined;
  const widths = widthsOf(view, 0, polys, moduli, n, coefficients);
  out.put(Uint8Array.from(widths));
  const lowWords = new Uint32Array(n);
  for (let p = 0; p < polys; p++) {
    for (let i = 0; i < moduli; i++) {
      const hiBits = widths[i] - 32;
      const base = (p * moduli + i) * n;
      // The low words verbatim, then the high parts bit-packed in chunks of at most 16 bits (the accumulator stays within 32 bits).
      if (coefficients) {
        for (let c = 0; c < n; c++) lowWords[c] = coefficients[2 * (base + c)];
        out.put(new Uint8Array(lowWords.buffer));
      } else {
        const lows = out.reserve(4 * n);
        const lowView = out.view;
        for (let c = 0; c < n; c++) lowView.setUint32(lows + 4 * c, view.getUint32(8 * (base + c), true), true);
      }
      let at = out.reserve(Math.ceil((hiBits * n) / 8));
      const raw = out.raw;
      const fast = FAST_HIGH[hiBits];
      if (coefficients && fast && n % fast.every === 0) {
        fast.pack(coefficients, base, n, raw, at);
        continue;
      }
      let acc = 0;
      let bits = 0;
      for (let c = 0; c < n; c++) {
        let v = view.getUint32(8 * (base + c) + 4, true);
        for (let rest = hiBits; rest > 0; ) {
          const w = Math.min(16, rest);
          acc |= (v & ((1 << w) - 1)) << bits;
          bits += w;
          v >>>= w;
          rest -= w;
          while (bits >= 8) {
            raw[at++] = acc & 0xff;
            acc >>>= 8;
            bits -= 8;
          }
        }
      }
      if (bits > 0) raw[at++] = acc & 0xff;
    }
  }
}

/** Unpacks `moduli` rows per polynomial into `out`, each row written straight into place. */
function unpackArray(input: Input, out: Output, polys: number, moduli: number, n: number): void {
  const widths = Array.from(input.take(moduli));
  if (widths.some((w) => w < 33 || w > 64)) fail();
  const at0 = out.reserve(8 * polys * moduli * n);
  const view = out.view;
  const row = LITTLE_ENDIAN ? new Uint32Array(2 * n) : undefined;
  const rowBytes = row ? new Uint8Array(row.buffer) : undefined;
  for (let p = 0; p < polys; p++) {
    for (let i = 0; i < moduli; i++) {
      const hiBits = widths[i] - 32;
      const base = at0 + 8 * (p * moduli + i) * n;
      const lows = input.take(4 * n);
      const his = input.take(Math.ceil((hiBits * n) / 8));
      const fast = FAST_HIGH[hiBits];
      if (row && fast && n % fast.every === 0) {
        // A row at a time in words, then copied into place: the common cases (60- and 50-bit moduli) without a bit loop.
        const low = words(lows);
        for (let c = 0; c < n; c++) row[2 * c] = low[c];
        fast.unpack(his, row, n);
        out.raw.set(rowBytes!, base);
        continue;
      }
      const lowView = new DataView(lows.buffer, lows.byteOffset, lows.byteLength);
      let acc = 0;
      let bits = 0;
      let from = 0;
      for (let c = 0; c < n; c++) {
        let hi = 0;
        for (let got = 0; got < hiBits; ) {
          const w = Math.min(16, hiBits - got);
          while (bits < w) {
            acc |= his[from++] << bits;
            bits += 8;
          }
          hi += got === 0 ? acc & ((1 << w) - 1) : (acc & ((1 << w) - 1)) * 65536;
          acc >>>= w;
          bits -= w;
          got += w;
        }
        view.setUint32(base + 8 * c, lowView.getUint32(4 * c, true), true);
        view.setUint32(base + 8 * c + 4, hi, true);
      }
    }
  }
}

/** One ciphertext (or public key) at the cursor, packed or unpacked into `out`. */
function cipher(input: Input, out: Output, pack: boolean): void {
  out.put(input.take(HEADER + 32 + 1)); // header, parms id, NTT flag
  const polys = input.u64();
  const n = input.u64();
  const moduli = input.u64();
  if (polys !== 2 || n < 1 || n > MAX_N || moduli < 1 || moduli > MAX_MODULI) fail();
  out.u64(polys);
  out.u64(n);
  out.u64(moduli);
  out.put(input.take(8 + 8 + HEADER)); // scale, correction factor, the data array's header
  const count = input.u64();
  const perPoly = n * moduli;
  if (count !== perPoly && count !== 2 * perPoly) fail();
  out.u64(count);
  if (pack) packArray(input, out, count / perPoly, moduli, n);
  else unpackArray(input, out, count / perPoly, moduli, n);
  // A seeded ciphertext carries the seed of its second polynomial.
  if (count === perPoly) out.put(input.take(HEADER + 1 + 64));
}

/** Key-switching keys (Galois or relinearization) at the cursor: a header, the parms id, then per element its ciphertexts. */
function keys(input: Input, out: Output, pack: boolean): void {
  out.put(input.take(HEADER + 32));
  const elements = input.u64();
  if (elements > MAX_N) fail();
  out.u64(elements);
  for (let e = 0; e < elements; e++) {
    const parts = input.u64();
    if (parts > MAX_MODULI) fail();
    out.u64(parts);
    for (let k = 0; k < parts; k++) cipher(input, out, pack);
  }
}

export type SealKind = 'cipher' | 'keys';

/** Packs a SEAL object the bank made (uncompressed); an empty blob stays empty. */
export function packSeal(bytes: Uint8Array, kind: SealKind): Uint8Array {
  if (bytes.length === 0) return bytes;
  const out = new Output(bytes.length + 1024);
  const input = new Input(bytes);
  out.put(Uint8Array.of(kind === 'cipher' ? CIPHER : KEYS));
  (kind === 'cipher' ? cipher : keys)(input, out, true);
  if (input.at !== bytes.length) throw new Error('packSeal: trailing bytes after the SEAL object');
  return out.bytes;
}

/** SEAL's bytes back from a packed blob, or a 400 with `code` when the blob does not follow the layout. */
export function unpackSeal(bytes: Uint8Array, code: string, what: string): Uint8Array {
  if (bytes.length === 0) return bytes;
  try {
    const input = new Input(bytes);
    const kind = input.take(1)[0];
    if (kind !== CIPHER && kind !== KEYS) fail();
    // Coefficients of at least 33 bits come back as 64: at most about twice the packed size.
    const out = new Output(2 * bytes.length + 1024);
    (kind === CIPHER ? cipher : keys)(input, out, false);
    if (input.at !== bytes.length) fail();
    return out.bytes;
  } catch (e) {
    if (e instanceof Malformed) throw new JointlabError(code, `${what} is not a packed SEAL object`, 'usage');
    throw e;
  }
}
