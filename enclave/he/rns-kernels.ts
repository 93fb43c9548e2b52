/**
 * Private scoring's products in WebAssembly: a batch's sum over its column pairs of
 * coefficient ciphertext times plaintext, in SEAL's NTT form, one residue polynomial at a time. SEAL
 * compiled to WebAssembly multiplies 64-bit residues through 128-bit helper calls (about 13 ns a
 * product at N = 16384); here each product is a Montgomery reduction written out in 64-bit
 * instructions, the ciphertexts kept in Montgomery form from their loading, and the terms summed in
 * one accumulator, so a pair costs no SEAL product, sum or plaintext load. The result is the same
 * ciphertext to the bit (test/enclave/he/rns-kernels.test.ts compares it with SEAL's).
 *
 * The module also writes a pair's coefficients as residues: an i64 conversion and an addition of the
 * prime or a remainder give each one. The doubles are whole numbers below 2^61 in size (a slot is at
 * most sqrt(2) times a column bound of at most 1024, at a scale of 2^50), where the conversion is
 * exact; past 2^63 it would saturate.
 */
import { FunctionSpec, assemble, at, i32, i64, op, repeat } from '../../models/wasm-assembler';
import { PAGE, WasmMemory, wasm } from '../../models/wasm-api';
import { MASK, WORD, negativeInverse, redc, redcLocals } from '../../lab/he/ring/montgomery';
import { scale } from '../../lab/he/ring/ring-kernels';

const { get, set, ifElse } = op;
const c = op.i32;

/** mac(acc, x, y, count, q, qinv): acc[i] = (acc[i] + x[i] y[i] / 2^64) mod q over `count` residues. */
function macKernel(): FunctionSpec {
  const [acc, x, y, count, q, qinv] = [0, 1, 2, 3, 4, 5];
  const [i, t, sum] = [6, 7, 8];
  const { locals, count: n } = redcLocals(9);
  const s = { ...locals, q, qinv };
  return {
    name: 'mac',
    params: [i32, i32, i32, i32, i64, i64],
    results: [],
    locals: [i32, i64, i64, ...new Array<typeof i64>(n).fill(i64)],
    body: [
      [MASK, set(s.mask)].flat(),
      repeat(
        i,
        count,
        redc(s, [...at(x, i), ...op.i64Load()], [...at(y, i), ...op.i64Load()], t),
        [...at(acc, i), op.i64Load(), get(t), op.i64Add, set(sum)].flat(),
        [...at(acc, i), get(sum), get(q), op.i64Sub, get(sum), get(sum), get(q), op.i64GeS, op.select, op.i64Store()].flat(),
      ),
    ],
  };
}

/** residues(src, count, dst, moduli, primes): dst[j * count + i] = src[i] mod moduli[j] (src doubles, whole, |v| < 2^62). */
function residuesKernel(): FunctionSpec {
  const [src, count, dst, moduli, primes] = [0, 1, 2, 3, 4];
  const [i, j, v, r, q] = [5, 6, 7, 8, 9];
  return {
    name: 'residues',
    params: [i32, i32, i32, i32, i32],
    results: [],
    locals: [i32, i32, i64, i64, i64],
    body: [
      repeat(
        i,
        count,
        [...at(src, i), op.f64Load(), op.i64TruncSatF64S, set(v)].flat(),
        repeat(
          j,
          primes,
          [...at(moduli, j), op.i64Load(), set(q), get(v), set(r)].flat(),
          // Most values already lie in [0, q) or one prime below: the remainder only for the rest.
          [get(r), op.i64(0), op.i64LtS].flat(),
          ifElse([get(r), get(q), op.i64Add, set(r)]),
          [get(r), op.i64(0), op.i64LtS, get(r), get(q), op.i64GeS, op.i32Or].flat(),
          ifElse([get(r), get(q), op.i64RemS, set(r)]),
          [get(r), op.i64(0), op.i64LtS].flat(),
          ifElse([get(r), get(q), op.i64Add, set(r)]),
          [get(dst), get(j), get(count), op.i32Mul, get(i), op.i32Add, c(3), op.i32Shl, op.i32Add, get(r), op.i64Store()].flat(),
        ),
      ),
    ],
  };
}

interface Exports {
  mac(acc: number, x: number, y: number, count: number, q: bigint, qinv: bigint): void;
  /** lab/he/ring/ring-kernels.ts `scale`: out = x f / 2^64 mod q, with f = 2^128 mod q the Montgomery form. */
  scale(out: number, x: number, count: number, q: bigint, qinv: bigint, f: bigint): void;
  residues(src: number, count: number, dst: number, moduli: number, primes: number): void;
}

let compiled: object | undefined;

/** Where the ciphertexts start in a model's memory: the moduli table comes first. */
const CIPHERS_AT = 64;

/**
 * One scoring model's memory: its ciphertexts (the pairs, then the constant term) in Montgomery form,
 * the ones plaintext, the accumulator, a plaintext slot, two coefficient vectors and their residues.
 * Each ciphertext is SEAL's data of two polynomials at `moduli` (polynomial, then prime, then
 * coefficient); a plaintext is one polynomial's.
 */
export class PairProducts {
  private readonly memory: WasmMemory;
  private readonly run: Exports;
  private readonly poly: number;
  private readonly moduliAt: number;
  private readonly onesAt: number;
  private readonly accAt: number;
  private readonly plainAt: number;
  private readonly polysAt: number;
  private readonly residuesAt: number;
  private readonly qinv: bigint[];
  private readonly r2: bigint[];

  constructor(
    private readonly n: number,
    private readonly moduli: bigint[],
    private readonly ciphers: number,
  ) {
    const poly = n * moduli.length * 8;
    this.poly = poly;
    this.moduliAt = 0;
    this.onesAt = CIPHERS_AT + ciphers * 2 * poly;
    this.accAt = this.onesAt + poly;
    this.plainAt = this.accAt + 2 * poly;
    this.polysAt = this.plainAt + poly;
    this.residuesAt = this.polysAt + 2 * n * 8;
    const end = this.residuesAt + 2 * poly;
    // The moduli table, before the ciphertexts, holds 8 primes; scoring's level has 2.
    if (8 * moduli.length > CIPHERS_AT) throw new RangeError(`at most 8 primes, not ${moduli.length}`);
    compiled ??= new wasm.Module(assemble([macKernel(), scale, residuesKernel()]));
    this.memory = new wasm.Memory({ initial: Math.ceil(end / PAGE) });
    this.run = new wasm.Instance(compiled, { env: { memory: this.memory } }).exports as unknown as Exports;
    new BigUint64Array(this.memory.buffer, this.moduliAt, moduli.length).set(moduli);
    this.qinv = moduli.map(negativeInverse);
    this.r2 = moduli.map((q) => (WORD * WORD) % q);
  }

  private cipherAt(k: number): number {
    return CIPHERS_AT + k * 2 * this.poly;
  }

  /** Ciphertext `k`'s data (two polynomials' residues, SEAL's bytes), kept in Montgomery form. */
  setCipher(k: number, data: Uint8Array): void {
    if (k < 0 || k >= this.ciphers || data.length !== 2 * this.poly) throw new RangeError(`ciphertext ${k} of ${this.ciphers}, ${data.length} bytes`);
    new Uint8Array(this.memory.buffer, this.cipherAt(k), data.length).set(data);
    this.eachResidue((j, offset) => this.run.scale(this.cipherAt(k) + offset, this.cipherAt(k) + offset, this.n, this.moduli[j], this.qinv[j], this.r2[j]));
  }

  /** The plaintext the constant term multiplies (ones), SEAL's data of one polynomial. */
  setOnes(data: Uint8Array): void {
    new Uint8Array(this.memory.buffer, this.onesAt, this.poly).set(data);
  }

  /** Calls `each` for each prime j of each of a ciphertext's two polynomials, with the byte offset of those residues. */
  private eachResidue(each: (j: number, offset: number) => void): void {
    for (let r = 0; r < 2; r++) for (let j = 0; j < this.moduli.length; j++) each(j, (r * this.moduli.length + j) * this.n * 8);
  }

  /** The accumulator set to ciphertext `k` (Montgomery form read back as it is) times the ones plaintext. */
  startWithConstant(k: number): void {
    new Uint8Array(this.memory.buffer, this.accAt, 2 * this.poly).fill(0);
    this.multiplyAdd(k, this.onesAt);
  }

  /** Adds ciphertext `k` times `plain` (one polynomial's NTT residues, SEAL's bytes) to the accumulator. */
  addProduct(k: number, plain: Uint8Array): void {
    new Uint8Array(this.memory.buffer, this.plainAt, this.poly).set(plain);
    this.multiplyAdd(k, this.plainAt);
  }

  private multiplyAdd(k: number, plainAt: number): void {
    this.eachResidue((j, offset) => this.run.mac(this.accAt + offset, this.cipherAt(k) + offset, plainAt + j * this.n * 8, this.n, this.moduli[j], this.qinv[j]));
  }

  /** Coefficient vector `k` of two (N doubles), for pairCoefficients to write into. */
  coefficients(k: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.polysAt + k * this.n * 8, this.n);
  }

  /** The residues of coefficient vectors 0 and 1 (the second standing in for a missing one: pass 0 again), as a ciphertext's data. */
  residues(second: 0 | 1): Uint8Array {
    for (let k = 0; k < 2; k++) this.run.residues(this.polysAt + (k === 1 ? second : 0) * this.n * 8, this.n, this.residuesAt + k * this.poly, this.moduliAt, this.moduli.length);
    return new Uint8Array(this.memory.buffer, this.residuesAt, 2 * this.poly);
  }

  /** The accumulated ciphertext's data. */
  sum(): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.accAt, 2 * this.poly);
  }
}
