/**
 * exp and log1p as inline WebAssembly instruction sequences (fdlibm's methods), for kernels that would
 * otherwise call out to JavaScript's Math for every row.
 */
import { op } from './wasm-assembler';

const { get, set, block, br, ifElse } = op;
const k = op.f64;
const c = op.i32;

// fdlibm's constants (Sun Microsystems, 1993; freely usable with this notice).
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700e0;
const EXP_UNDERFLOW = -7.45133219101941108420e2;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;
const LP = [6.666666666666735130e-1, 3.999999999940941908e-1, 2.857142874366239149e-1, 2.222219843214978396e-1, 1.818357216161805012e-1, 1.531383769920937332e-1, 1.479819860511658591e-1];

/** The high 32 bits of the f64 in `local`, without the sign. */
const highWord = (local: number) => [get(local), op.i64ReinterpretF64, op.i64(32), op.i64ShrU, op.i32WrapI64, c(0x7fffffff), op.i32And].flat();
/** 2^(local + bias) for an i32 exponent that keeps the result a normal number. */
const powerOfTwo = (local: number, bias: number) => [get(local), op.i64ExtendI32S, op.i64(1023 + bias), op.i64Add, op.i64(52), op.i64Shl, op.f64ReinterpretI64].flat();
/** Horner's rule: coefficients[0] + t (coefficients[1] + t (...)), t in `local`. */
const horner = (local: number, coefficients: number[]): number[] => {
  const [first, ...rest] = coefficients;
  return rest.length === 0 ? k(first) : [k(first), get(local), ...horner(local, rest), op.f64Mul, op.f64Add].flat();
};

/** Locals exp needs: i32 hx and kk, f64 hi, lo, r, t, cc and y. */
export interface ExpLocals {
  hx: number;
  kk: number;
  hi: number;
  lo: number;
  r: number;
  t: number;
  cc: number;
  y: number;
}

/**
 * out = e^x for x <= 0 (local `x`), as fdlibm's __ieee754_exp computes it (argument reduction
 * x = k ln2 + r, a rational approximation on |r| <= ln2/2, scaling by 2^k), which is what V8's Math.exp
 * runs, operation for operation.
 */
export function expNonPositive(x: number, out: number, l: ExpLocals): number[] {
  return block(
    get(x), k(EXP_UNDERFLOW), op.f64Lt, ifElse([k(0), set(out), br(1)]),
    highWord(x), set(l.hx),
    // |x| < 2^-28: 1 + x
    get(l.hx), c(0x3e300000), op.i32LtU, ifElse([k(1), get(x), op.f64Add, set(out), br(1)]),
    c(0), set(l.kk),
    get(x), set(l.r),
    get(l.hx), c(0x3fd62e42), op.i32GtU,
    ifElse([
      // |x| > ln2 / 2: reduce; for |x| < 3 ln2 / 2 by one ln2 (x is negative), else by k ln2.
      get(l.hx), c(0x3ff0a2b2), op.i32LtU,
      ifElse(
        [get(x), k(LN2_HI), op.f64Add, set(l.hi), k(-LN2_LO), set(l.lo), c(-1), set(l.kk)],
        [
          k(INV_LN2), get(x), op.f64Mul, k(-0.5), op.f64Add, op.i32TruncSatF64S, set(l.kk),
          get(x), get(l.kk), op.f64ConvertI32S, k(LN2_HI), op.f64Mul, op.f64Sub, set(l.hi),
          get(l.kk), op.f64ConvertI32S, k(LN2_LO), op.f64Mul, set(l.lo),
        ],
      ),
      get(l.hi), get(l.lo), op.f64Sub, set(l.r),
    ]),
    get(l.r), get(l.r), op.f64Mul, set(l.t),
    // cc = r - t (P1 + t (P2 + ...))
    get(l.r), get(l.t), horner(l.t, [P1, P2, P3, P4, P5]), op.f64Mul, op.f64Sub, set(l.cc),
    get(l.kk), op.i32Eqz,
    ifElse([
      // 1 - ((r cc) / (cc - 2) - r)
      k(1), get(l.r), get(l.cc), op.f64Mul, get(l.cc), k(2), op.f64Sub, op.f64Div, get(l.r), op.f64Sub, op.f64Sub, set(out), br(1),
    ]),
    // y = 1 - ((lo - (r cc) / (2 - cc)) - hi), then times 2^k
    k(1), get(l.lo), get(l.r), get(l.cc), op.f64Mul, k(2), get(l.cc), op.f64Sub, op.f64Div, op.f64Sub, get(l.hi), op.f64Sub, op.f64Sub, set(l.y),
    get(l.kk), c(-1021), op.i32GeS,
    ifElse(
      [get(l.y), powerOfTwo(l.kk, 0), op.f64Mul, set(out)],
      [get(l.y), powerOfTwo(l.kk, 1000), op.f64Mul, k(2 ** -1000), op.f64Mul, set(out)],
    ),
  );
}

/** Locals log1p needs: f64 f, hfsq, s, z, u, cc. */
export interface Log1pLocals {
  f: number;
  hfsq: number;
  s: number;
  z: number;
  u: number;
  cc: number;
}

/**
 * out = log(1 + e) for 0 <= e <= 1 (local `e`), by fdlibm's log1p method: f - (f^2/2 - s (f^2/2 + R(s^2)))
 * with s = f / (2 + f), on f = e below sqrt(2) - 1 and on f = (1 + e)/2 - 1 plus ln 2 (and the rounding
 * of 1 + e) above it. Within an ulp or so of Math.log1p; the fit uses it only in the loss that the line
 * search compares.
 */
export function log1pUnit(e: number, out: number, l: Log1pLocals): number[] {
  /** f - (hfsq - s (hfsq + R)) without its last step: leaves s (hfsq + R) in l.s and hfsq in l.hfsq. */
  const core = [
    k(0.5), get(l.f), op.f64Mul, get(l.f), op.f64Mul, set(l.hfsq),
    get(l.f), k(2), get(l.f), op.f64Add, op.f64Div, set(l.s),
    get(l.s), get(l.s), op.f64Mul, set(l.z),
    get(l.s), get(l.hfsq), get(l.z), horner(l.z, LP), op.f64Mul, op.f64Add, op.f64Mul, set(l.s),
  ].flat();
  return block(
    get(e), k(2 ** -29), op.f64Lt, ifElse([get(e), get(e), get(e), op.f64Mul, k(0.5), op.f64Mul, op.f64Sub, set(out), br(1)]),
    get(e), k(0.4142135623730950), op.f64Lt,
    ifElse([get(e), set(l.f), core, get(l.f), get(l.hfsq), get(l.s), op.f64Sub, op.f64Sub, set(out), br(1)]),
    // u = 1 + e and its rounding error cc / u; log(u) = ln 2 + log(u / 2), u / 2 - 1 exact.
    k(1), get(e), op.f64Add, set(l.u),
    get(e), get(l.u), k(1), op.f64Sub, op.f64Sub, get(l.u), op.f64Div, set(l.cc),
    get(l.u), k(0.5), op.f64Mul, k(1), op.f64Sub, set(l.f),
    core,
    // ln2_hi - ((hfsq - (s (hfsq + R) + (ln2_lo + cc))) - f)
    k(LN2_HI), get(l.hfsq), get(l.s), k(LN2_LO), get(l.cc), op.f64Add, op.f64Add, op.f64Sub, get(l.f), op.f64Sub, op.f64Sub, set(out),
  );
}
