/**
 * Polynomials modulo X^N + 1 and a list of primes, in rows of N residues held in one WebAssembly
 * memory, with SEAL's NTT per prime (ring-kernels.ts). Rows are numbered; each prime's NTT roots take
 * the first rows. The caller owns the other rows and says which prime a row is reduced by.
 */
import { PAGE, WasmMemory, wasm } from '../../../models/wasm-api';
import { WORD, negativeInverse } from './montgomery';
import { RingKernels, ringKernelsModule } from './ring-kernels';
import { primitiveRoot } from './ring-primes';

const montgomery = (x: bigint, q: bigint): bigint => (x * WORD) % q;

export class Ring {
  private readonly memory: WasmMemory;
  private readonly run: RingKernels;
  private readonly qinv: bigint[];
  /** 2^128 mod q: scaling by it puts a row in Montgomery form. */
  private readonly r2: bigint[];
  /** The first row the caller may use. */
  readonly free: number;

  constructor(
    readonly n: number,
    readonly primes: readonly bigint[],
    rows: number,
  ) {
    this.free = primes.length;
    this.memory = new wasm.Memory({ initial: Math.ceil(((this.free + rows) * n * 8) / PAGE) });
    this.run = new wasm.Instance(ringKernelsModule(), { env: { memory: this.memory } }).exports as unknown as RingKernels;
    this.qinv = primes.map(negativeInverse);
    this.r2 = primes.map((q) => (WORD * WORD) % q);
    primes.forEach((q, j) => this.buildRoots(j, q));
  }

  /** Byte offset of row `row`. */
  at(row: number): number {
    return row * this.n * 8;
  }

  /** `count` rows from `row` as bytes. */
  bytes(row: number, count = 1): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.at(row), count * this.n * 8);
  }

  /** `count` rows from `row` as 32-bit words, two per residue (low word first). */
  words(row: number, count = 1): Uint32Array {
    return new Uint32Array(this.memory.buffer, this.at(row), count * this.n * 2);
  }

  /**
   * Prime j's NTT roots in row j: psi^bitreverse(k) in Montgomery form, psi SEAL's choice, the
   * smallest primitive 2N-th root of unity (the odd powers of any one are all of them). Row `free`
   * is scratch meanwhile.
   */
  private buildRoots(j: number, q: bigint): void {
    const { n } = this;
    const root = primitiveRoot(n, q);
    const scratch = this.free;
    this.run.powers(this.at(scratch), n, q, this.qinv[j], root, montgomery((root * root) % q, q));
    const odd = new BigUint64Array(this.memory.buffer, this.at(scratch), n);
    let psi = odd[0];
    for (let k = 1; k < n; k++) if (odd[k] < psi) psi = odd[k];
    this.run.powers(this.at(scratch), n, q, this.qinv[j], 1n, montgomery(psi, q));
    const from = this.words(scratch);
    const to = this.words(j);
    const bits = Math.log2(n);
    for (let k = 0; k < n; k++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((k >> b) & 1) << (bits - 1 - b);
      to[2 * r] = from[2 * k];
      to[2 * r + 1] = from[2 * k + 1];
    }
    this.run.scale(this.at(j), this.at(j), n, q, this.qinv[j], this.r2[j]);
  }

  /** Row `row` (residues modulo prime j) to SEAL's NTT form, in place. */
  ntt(row: number, j: number): void {
    this.run.ntt(this.at(row), this.at(j), this.n, this.primes[j], this.qinv[j]);
  }

  /** out = x times y modulo prime j (y in Montgomery form). */
  mul(out: number, x: number, y: number, j: number): void {
    this.run.mul(this.at(out), this.at(x), this.at(y), this.n, this.primes[j], this.qinv[j]);
  }

  /** out = x times the integer f modulo prime j. */
  scaleBy(out: number, x: number, f: bigint, j: number): void {
    const q = this.primes[j];
    this.run.scale(this.at(out), this.at(x), this.n, q, this.qinv[j], montgomery(f % q, q));
  }

  /** out = x in Montgomery form (times 2^64 modulo prime j). */
  toMontgomery(out: number, x: number, j: number): void {
    this.run.scale(this.at(out), this.at(x), this.n, this.primes[j], this.qinv[j], this.r2[j]);
  }

  /** out = x - y modulo prime j. */
  sub(out: number, x: number, y: number, j: number): void {
    this.run.sub(this.at(out), this.at(x), this.at(y), this.n, this.primes[j], this.qinv[j]);
  }

  /** c0 = add - c1 key modulo prime j (key in Montgomery form): an RLWE sample's first polynomial. */
  encrypt(c0: number, c1: number, key: number, add: number, j: number): void {
    this.run.encrypt(this.at(c0), this.at(c1), this.at(key), this.at(add), this.n, this.primes[j], this.qinv[j]);
  }

  /** Row `row`'s 64-bit words reduced modulo prime j. */
  reduce(row: number, j: number): void {
    this.run.reduce(this.at(row), this.n, this.primes[j], this.qinv[j]);
  }

  /** Row `row` set to the whole numbers (below 2^63 in size) in row `src`, read as N doubles, modulo prime j. */
  residues(row: number, src: number, j: number): void {
    this.run.residues(this.at(row), this.at(src), this.n, this.primes[j], this.qinv[j]);
  }

  /** Row `row` as N doubles. */
  doubles(row: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.at(row), this.n);
  }

  /** Zeroes every row (the secret key's among them). */
  wipe(): void {
    new Uint8Array(this.memory.buffer).fill(0);
  }
}
