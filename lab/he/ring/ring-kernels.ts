/**
 * Arithmetic on polynomials of N residues modulo one prime, in WebAssembly: SEAL's forward negacyclic
 * NTT (the same values in the same order, test/lab/he/ring/ring-kernels.test.ts checks them against
 * SEAL's), products, sums and reductions. A bank makes its training keys and encrypts its labels with
 * these instead of a SEAL context, whose NTT tables alone take about 0.36 s to build at n16384
 * (lab/he/ring/lean-keys.ts). Products are Montgomery reductions: one factor in Montgomery form
 * (times 2^64 mod q), the other and the result in normal form.
 */
import { FunctionSpec, assemble, at, i32, i64, op, repeat } from '../../../models/wasm-assembler';
import { MASK, RedcLocals, redc, redcLocals } from './montgomery';
import { wasm } from '../../../models/wasm-api';

const { get, set, block, loop, brIf, br } = op;
const c = op.i32;

const load = (pointer: number[]) => [...pointer, ...op.i64Load()];
/** (x mod q) for x in [0, 2q), x on the stack and kept in `into`. */
const belowQ = (into: number, q: number) => [set(into), get(into), get(q), op.i64Sub, get(into), get(into), get(q), op.i64GeS, op.select].flat();
/** (x mod q) for x in (-q, q), x on the stack and kept in `into`. */
const aboveZero = (into: number, q: number) => [set(into), get(into), get(q), op.i64Add, get(into), get(into), op.i64(0), op.i64LtS, op.select].flat();

/** A kernel over `count` residues: `pointers` i32 pointers, the count, q, qinv (-1/q mod 2^64), then `scalars` i64 scalars; redc's scratch among its locals. */
function kernel(name: string, pointers: number, scalars: number, body: (p: { k: number; t: number; s: RedcLocals }) => number[][]): FunctionSpec {
  const q = pointers + 1;
  const k = pointers + 3 + scalars;
  const t = k + 1;
  const { locals, count } = redcLocals(t + 1);
  return {
    name,
    params: [...new Array<typeof i32>(pointers + 1).fill(i32), i64, i64, ...new Array<typeof i64>(scalars).fill(i64)],
    results: [],
    locals: [i32, i64, ...new Array<typeof i64>(count).fill(i64)],
    body: [[MASK, set(locals.mask)].flat(), ...body({ k, t, s: { ...locals, q, qinv: q + 1 } })],
  };
}

/** mul(out, x, y, count, q, qinv): out[k] = x[k] y[k] / 2^64 mod q (y in Montgomery form: the product in normal form). */
const mul = kernel('mul', 3, 0, ({ k, t, s }) => [repeat(k, 3, redc(s, load(at(1, k)), load(at(2, k)), t), [...at(0, k), get(t), op.i64Store()].flat())]);

/** scale(out, x, count, q, qinv, f): out[k] = x[k] f / 2^64 mod q (f = 2^128 mod q: x in Montgomery form). */
export const scale = kernel('scale', 2, 1, ({ k, t, s }) => [repeat(k, 2, redc(s, load(at(1, k)), get(s.qinv + 1), t), [...at(0, k), get(t), op.i64Store()].flat())]);

/** sub(out, x, y, count, q, qinv): out[k] = x[k] - y[k] mod q. */
const sub = kernel('sub', 3, 0, ({ k, t, s }) => [repeat(k, 3, [...at(0, k), ...load(at(1, k)), ...load(at(2, k)), op.i64Sub, ...aboveZero(t, s.q), op.i64Store()].flat())]);

/** encrypt(c0, c1, key, add, count, q, qinv): c0[k] = add[k] - c1[k] key[k] / 2^64 mod q (key in Montgomery form). */
const encrypt = kernel('encrypt', 4, 0, ({ k, t, s }) => [repeat(k, 4, redc(s, load(at(1, k)), load(at(2, k)), t), [...at(0, k), ...load(at(3, k)), get(t), op.i64Sub, ...aboveZero(t, s.q), op.i64Store()].flat())]);

/** reduce(x, count, q, qinv): x[k] = x[k] mod q, x read as unsigned 64-bit. */
const reduce = kernel('reduce', 1, 0, ({ k, s }) => [repeat(k, 1, [...at(0, k), ...load(at(0, k)), get(s.q), op.i64RemU, op.i64Store()].flat())]);

/** residues(out, src, count, q, qinv): out[k] = src[k] mod q, src doubles holding whole numbers below 2^63 in size. */
const residues = kernel('residues', 2, 0, ({ k, t, s }) => [
  repeat(k, 2, [...at(0, k), ...at(1, k), ...op.f64Load(), op.i64TruncSatF64S, get(s.q), op.i64RemS, ...aboveZero(t, s.q), op.i64Store()].flat()),
]);

/** powers(out, count, q, qinv, start, base): out[k] = start base^k mod q (base in Montgomery form). */
const powers = kernel('powers', 1, 2, ({ k, t, s }) => [
  [get(s.qinv + 1), set(t)].flat(),
  repeat(k, 1, [...at(0, k), get(t), op.i64Store()].flat(), redc(s, get(t), get(s.qinv + 2), t)),
]);

/**
 * ntt(a, roots, n, q, qinv): SEAL's forward negacyclic NTT in place (Cooley-Tukey, input in natural
 * order, output in bit-reversed order), roots[j] = psi^bitreverse(j) in Montgomery form, psi SEAL's
 * minimal primitive 2N-th root of q. Output fully reduced, as SEAL leaves it.
 */
function nttKernel(): FunctionSpec {
  const [a, roots, n, q, qinv] = [0, 1, 2, 3, 4];
  const [m, i, p, end, half, u, v, t] = [5, 6, 7, 8, 9, 10, 11, 12];
  const { locals, count } = redcLocals(13);
  const s = { ...locals, q, qinv };
  const root = 13 + count; // one more i64 local after redc's
  return {
    name: 'ntt',
    params: [i32, i32, i32, i64, i64],
    results: [],
    locals: [i32, i32, i32, i32, i32, i64, i64, i64, ...new Array<typeof i64>(count + 1).fill(i64)],
    body: [
      [MASK, set(s.mask), c(1), set(m), get(n), c(3), op.i32Shl, set(half)].flat(),
      block(
        loop(
          [get(m), get(n), op.i32GeS, brIf(1), get(half), c(1), op.i32ShrU, set(half)].flat(),
          repeat(
            i,
            m,
            [...load([get(roots), get(m), get(i), op.i32Add, c(3), op.i32Shl, op.i32Add].flat()), set(root)].flat(),
            [get(a), get(i), get(half), c(1), op.i32Shl, op.i32Mul, op.i32Add, set(p), get(p), get(half), op.i32Add, set(end)].flat(),
            block(
              loop(
                [get(p), get(end), op.i32GeS, brIf(1), ...load(get(p)), set(u)].flat(),
                redc(s, load([get(p), get(half), op.i32Add].flat()), get(root), v),
                [get(p), get(u), get(v), op.i64Add, ...belowQ(t, q), op.i64Store()].flat(),
                [get(p), get(half), op.i32Add, get(u), get(v), op.i64Sub, ...aboveZero(t, q), op.i64Store()].flat(),
                [get(p), c(8), op.i32Add, set(p), br(0)].flat(),
              ),
            ),
          ),
          [get(m), c(1), op.i32Shl, set(m), br(0)].flat(),
        ),
      ),
    ],
  };
}

export interface RingKernels {
  mul(out: number, x: number, y: number, count: number, q: bigint, qinv: bigint): void;
  scale(out: number, x: number, count: number, q: bigint, qinv: bigint, f: bigint): void;
  sub(out: number, x: number, y: number, count: number, q: bigint, qinv: bigint): void;
  encrypt(c0: number, c1: number, key: number, add: number, count: number, q: bigint, qinv: bigint): void;
  reduce(x: number, count: number, q: bigint, qinv: bigint): void;
  residues(out: number, src: number, count: number, q: bigint, qinv: bigint): void;
  powers(out: number, count: number, q: bigint, qinv: bigint, start: bigint, base: bigint): void;
  ntt(a: number, roots: number, n: number, q: bigint, qinv: bigint): void;
}

let compiled: object | undefined;

/** The kernels' module, assembled and compiled once per thread. */
export function ringKernelsModule(): object {
  compiled ??= new wasm.Module(assemble([mul, scale, sub, encrypt, reduce, residues, powers, nttKernel()]));
  return compiled;
}
