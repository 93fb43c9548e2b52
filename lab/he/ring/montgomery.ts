/**
 * Montgomery arithmetic on 64-bit residues, as WebAssembly instruction lists for the kernels that
 * assemble them (enclave/he/rns-kernels.ts, lab/he/ring/ring-kernels.ts). WebAssembly has no 64 x 64
 * -> 128-bit product: one is built from four 32-bit products. Primes are below 2^61, so sums of two
 * residues and the reduction's result (below 2q) stay positive as signed 64-bit values.
 */
import { op } from '../../../models/wasm-assembler';

const { get, set } = op;

/** The scratch locals of a 128-bit product, and the local holding 2^32 - 1. */
export interface Mul128Locals {
  mask: number;
  a0: number;
  a1: number;
  b0: number;
  b1: number;
  p00: number;
  p01: number;
  p10: number;
  p11: number;
  mid: number;
}

/** lo, hi = a * b (a and b instruction lists each leaving an i64) from four 32-bit products. */
export function mul128(s: Mul128Locals, a: number[], b: number[], lo: number, hi: number): number[] {
  return [
    // a0 holds a until split: a0 = a & mask, a1 = a >> 32
    ...[a, set(s.a0), get(s.a0), op.i64(32), op.i64ShrU, set(s.a1), get(s.a0), get(s.mask), op.i64And, set(s.a0)].flat(),
    ...[b, set(s.b0), get(s.b0), op.i64(32), op.i64ShrU, set(s.b1), get(s.b0), get(s.mask), op.i64And, set(s.b0)].flat(),
    ...[get(s.a0), get(s.b0), op.i64Mul, set(s.p00)].flat(),
    ...[get(s.a0), get(s.b1), op.i64Mul, set(s.p01)].flat(),
    ...[get(s.a1), get(s.b0), op.i64Mul, set(s.p10)].flat(),
    ...[get(s.a1), get(s.b1), op.i64Mul, set(s.p11)].flat(),
    // mid = (p00 >> 32) + (p01 & mask) + (p10 & mask), below 3 * 2^32
    ...[get(s.p00), op.i64(32), op.i64ShrU, get(s.p01), get(s.mask), op.i64And, op.i64Add, get(s.p10), get(s.mask), op.i64And, op.i64Add, set(s.mid)].flat(),
    ...[get(s.p00), get(s.mask), op.i64And, get(s.mid), op.i64(32), op.i64Shl, op.i64Or, set(lo)].flat(),
    ...[get(s.p11), get(s.p01), op.i64(32), op.i64ShrU, op.i64Add, get(s.p10), op.i64(32), op.i64ShrU, op.i64Add, get(s.mid), op.i64(32), op.i64ShrU, op.i64Add, set(hi)].flat(),
  ];
}

/** Locals of the Montgomery product: x * y / 2^64 mod q, below q, into `out`. */
export interface RedcLocals extends Mul128Locals {
  q: number;
  qinv: number;
  tlo: number;
  thi: number;
  m: number;
  ulo: number;
  uhi: number;
}

export function redc(s: RedcLocals, x: number[], y: number[], out: number): number[] {
  return [
    ...mul128(s, x, y, s.tlo, s.thi),
    // m = tlo * (-1 / q) mod 2^64: tlo + m q is a multiple of 2^64.
    ...[get(s.tlo), get(s.qinv), op.i64Mul, set(s.m)].flat(),
    ...mul128(s, get(s.m), get(s.q), s.ulo, s.uhi),
    // (t + m q) / 2^64 = thi + uhi + carry, where the low words' sum carries unless tlo is 0; below 2q.
    ...[get(s.thi), get(s.uhi), op.i64Add, get(s.tlo), op.i64(0), op.i64Ne, op.i64ExtendI32S, op.i64Add, set(out)].flat(),
    ...[get(out), get(s.q), op.i64Sub, get(out), get(out), get(s.q), op.i64GeS, op.select, set(out)].flat(),
  ];
}

/** Locals from index `first` on: the i64 scratch of redc. */
export function redcLocals(first: number): { locals: RedcLocals; count: number } {
  const names = ['mask', 'a0', 'a1', 'b0', 'b1', 'p00', 'p01', 'p10', 'p11', 'mid', 'tlo', 'thi', 'm', 'ulo', 'uhi'] as const;
  const locals = Object.fromEntries(names.map((n, k) => [n, first + k])) as unknown as RedcLocals;
  return { locals, count: names.length };
}

export const MASK = [op.i64(-1), op.i64(32), op.i64ShrU].flat();

export const WORD = 1n << 64n;

/** -1 / q mod 2^64 (q odd), by Newton's iteration: each step doubles the correct low bits. */
export function negativeInverse(q: bigint): bigint {
  let inv = 1n;
  for (let k = 0; k < 7; k++) inv = (inv * (2n - ((q * inv) % WORD))) % WORD;
  return (WORD - ((inv + WORD) % WORD)) % WORD;
}

