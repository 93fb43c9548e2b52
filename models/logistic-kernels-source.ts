/** The source of logistic-kernels-wasm.ts: the LR fit's loops over rows, written as WebAssembly instructions. */
import { FunctionSpec, assemble, at, f64, i32, increment, op, repeat, v128 } from './wasm-assembler';
import { expNonPositive, log1pUnit } from './wasm-math';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Rows per chunk: a pass copies each column's chunk into the module's memory and works on it there. */
export const CHUNK = 1024;

const { get, set, tee, block, loop, br, brIf } = op;
const c = op.i32;
const k = op.f64;
/** Bytes from one column's chunk to the next in the module's memory. */
const STRIDE = CHUNK * 8;

/** `for (p = 0; p < end; p += 8) body`: p and end locals, byte offsets of a chunk's rows. */
const rows = (p: number, end: number, ...body: number[][]) =>
  [c(0), set(p), block(loop(get(p), get(end), op.i32GeS, brIf(1), ...body, get(p), c(8), op.i32Add, set(p), br(0)))].flat();
/** The f64 at byte `base + p + offset` (base and p locals). */
const load = (base: number, p: number, offset = 0) => [get(base), get(p), op.i32Add, op.f64Load(offset)].flat();
/** `for (p = 0; p < end; p += 16) body`: two rows at a time, end rounded up to an even number of rows. */
const rowPairs = (p: number, end: number, ...body: number[][]) =>
  [c(0), set(p), block(loop(get(p), get(end), op.i32GeS, brIf(1), ...body, get(p), c(16), op.i32Add, set(p), br(0)))].flat();
/** The two f64 at byte `base + p + offset` as one vector. */
const load2 = (base: number, p: number, offset = 0) => [get(base), get(p), op.i32Add, op.v128Load(offset)].flat();
/** vector += a * b, all v128 locals but b, which is on the stack's top: [b] -> []. */
const accumulate = (vector: number, a: number, b: number[]) => [get(vector), get(a), b, op.f64x2Mul, op.f64x2Add, set(vector)].flat();
/** The sum of a vector's two lanes. */
const lanes = (vector: number) => [get(vector), op.f64x2ExtractLane(0), get(vector), op.f64x2ExtractLane(1), op.f64Add].flat();
/** Byte count of len rows rounded up to an even number: len + (len & 1), times 8. */
const evenRows = (len: number) => [get(len), get(len), c(1), op.i32And, op.i32Add, c(3), op.i32Shl].flat();

/**
 * pass(x, d, len, b, y, z, r, g) -> loss: for the chunk's len rows, with column j at x + j * STRIDE and
 * the labels at y: z = b[d] + sum_j b[j] x_j; r = sigma(z) - y; adds r . x_j to g[j] and sum(r) to g[d];
 * returns the sum of log(1 + e^z) - y z, written to stay finite for large |z|. Columns go four at a
 * time, so each z and r is loaded once for four multiply-adds.
 */
function passKernel(): FunctionSpec {
  const [x, d, len, b, y, z, r, g] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [p, end, j, col, at4, pairs] = [8, 9, 10, 11, 12, 13];
  const [zi, e, q, yi, ri, loss, sumR, softplus] = [14, 15, 16, 17, 18, 19, 20, 21];
  const expLocals = { hx: 22, kk: 23, hi: 24, lo: 25, r: 26, t: 27, cc: 28, y: 29 };
  const logLocals = { f: 24, hfsq: 25, s: 26, z: 27, u: 28, cc: 29 };
  const [v0, v1, v2, v3, rv] = [30, 31, 32, 33, 34];
  /** while (j + width <= d) { col = x + j * STRIDE; at4 = vector + 8 j; body; j += width } */
  const columns = (width: number, vector: number, ...body: number[][]) =>
    block(
      loop(
        get(j), c(width), op.i32Add, get(d), op.i32GtS, brIf(1),
        get(x), get(j), c(STRIDE), op.i32Mul, op.i32Add, set(col),
        get(vector), get(j), c(3), op.i32Shl, op.i32Add, set(at4),
        ...body,
        get(j), c(width), op.i32Add, set(j), br(0),
      ),
    );
  /** vector[j + offset / 8] += value on the stack */
  const addTo = (offset: number, value: number[]) => [get(at4), get(at4), op.f64Load(offset), value, op.f64Add, op.f64Store(offset)].flat();
  /** The coefficient at at4 + offset in both lanes. */
  const splat = (offset: number) => [get(at4), op.f64Load(offset), op.f64x2Splat].flat();
  return {
    name: 'pass',
    params: [i32, i32, i32, i32, i32, i32, i32, i32],
    results: [f64],
    locals: [i32, i32, i32, i32, i32, i32, f64, f64, f64, f64, f64, f64, f64, f64, i32, i32, f64, f64, f64, f64, f64, f64, v128, v128, v128, v128, v128],
    body: [
      get(len), c(3), op.i32Shl, set(end),
      // Rows go two at a time (f64x2): an odd chunk gets a zero row past its end, which adds nothing.
      evenRows(len), set(pairs),
      get(len), c(1), op.i32And,
      op.ifElse([
        c(0), set(j),
        block(loop(get(j), get(d), op.i32GeS, brIf(1), get(x), get(j), c(STRIDE), op.i32Mul, op.i32Add, get(end), op.i32Add, k(0), op.f64Store(), get(j), c(1), op.i32Add, set(j), br(0))),
      ]),
      // z = intercept
      get(b), get(d), c(3), op.i32Shl, op.i32Add, op.f64Load(), op.f64x2Splat, set(v0),
      rowPairs(p, pairs, get(z), get(p), op.i32Add, get(v0), op.v128Store()),
      // z += b_j x_j, four columns per pass over z, then one at a time
      c(0), set(j),
      columns(4, b,
        splat(0), set(v0), splat(8), set(v1), splat(16), set(v2), splat(24), set(v3),
        rowPairs(p, pairs,
          get(z), get(p), op.i32Add,
          load2(z, p),
          get(v0), load2(col, p), op.f64x2Mul, get(v1), load2(col, p, STRIDE), op.f64x2Mul, op.f64x2Add,
          get(v2), load2(col, p, 2 * STRIDE), op.f64x2Mul, op.f64x2Add, get(v3), load2(col, p, 3 * STRIDE), op.f64x2Mul, op.f64x2Add,
          op.f64x2Add, op.v128Store(),
        ),
      ),
      columns(1, b,
        splat(0), set(v0),
        rowPairs(p, pairs, get(z), get(p), op.i32Add, load2(z, p), get(v0), load2(col, p), op.f64x2Mul, op.f64x2Add, op.v128Store()),
      ),
      // residuals and loss, row by row
      k(0), set(loss), k(0), set(sumR),
      rows(p, end,
        load(z, p), set(zi),
        get(zi), op.f64Abs, op.f64Neg, set(e),
        expNonPositive(e, e, expLocals),
        load(y, p), set(yi),
        k(1), k(1), get(e), op.f64Add, op.f64Div, set(q),
        get(q), get(e), get(q), op.f64Mul, get(zi), k(0), op.f64Ge, op.select, get(yi), op.f64Sub, set(ri),
        get(r), get(p), op.i32Add, get(ri), op.f64Store(),
        get(sumR), get(ri), op.f64Add, set(sumR),
        log1pUnit(e, softplus, logLocals),
        get(loss), get(zi), k(0), op.f64Max, get(softplus), op.f64Add, get(yi), get(zi), op.f64Mul, op.f64Sub, op.f64Add, set(loss),
      ),
      // the zero row's residual (only an odd chunk has one: an even one may end at the array's end)
      get(len), c(1), op.i32And,
      op.ifElse([get(r), get(end), op.i32Add, k(0), op.f64Store()]),
      // gradient: g[j] += r . x_j four columns at a time, then one at a time; g[d] += sum(r)
      c(0), set(j),
      columns(4, g,
        k(0), op.f64x2Splat, set(v0), k(0), op.f64x2Splat, set(v1), k(0), op.f64x2Splat, set(v2), k(0), op.f64x2Splat, set(v3),
        rowPairs(p, pairs,
          load2(r, p), set(rv),
          accumulate(v0, rv, load2(col, p)),
          accumulate(v1, rv, load2(col, p, STRIDE)),
          accumulate(v2, rv, load2(col, p, 2 * STRIDE)),
          accumulate(v3, rv, load2(col, p, 3 * STRIDE)),
        ),
        addTo(0, lanes(v0)), addTo(8, lanes(v1)), addTo(16, lanes(v2)), addTo(24, lanes(v3)),
      ),
      columns(1, g,
        k(0), op.f64x2Splat, set(v0),
        rowPairs(p, pairs, load2(r, p), set(rv), accumulate(v0, rv, load2(col, p))),
        addTo(0, lanes(v0)),
      ),
      get(g), get(d), c(3), op.i32Shl, op.i32Add, set(at4),
      addTo(0, get(sumR)),
      get(loss),
    ],
  };
}

/**
 * gather(s, start, len, n, m, x, d, r, y, gb, t) -> s': for the Hessian's sampled rows floor(s n / m)
 * that fall in the chunk (rows start..start+len, laid out as for pass, with its residuals r and labels
 * y), writes g_j = sqrt(w) x_j (j < d) and g_d = sqrt(w), w = p (1 - p), p = r + y, as rows t, t + 1,
 * ... of gb (vector j at gb + j * STRIDE). Returns the next s; the caller counts the rows.
 *
 * moments(d, gb, t, raw): adds g_j . g_k over gb's first t rows to raw[j][k] for k >= j ((d + 1) x
 * (d + 1), row-major): the sums of w x_j x_k, w x_j and w. Rows from several chunks go in one call, so
 * that the dot products run long (a chunk of the 100,000-row set has only about 126 sampled rows).
 */
function gatherKernel(): FunctionSpec {
  const [s, start, len, n, m, x, d, r, y, gb, t] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [row, j, p, q, root] = [11, 12, 13, 14, 15];
  const [w] = [16];
  return {
    name: 'gather',
    params: [i32, i32, i32, f64, i32, i32, i32, i32, i32, i32, i32],
    results: [i32],
    locals: [i32, i32, i32, i32, i32, f64],
    body: [
      get(gb), get(d), c(STRIDE), op.i32Mul, op.i32Add, set(root),
      get(t), c(3), op.i32Shl, set(q),
      block(
        loop(
          get(s), get(m), op.i32GeS, brIf(1),
          // row = floor((s * n) / m) - start, as Math.floor computes it
          get(s), op.f64ConvertI32S, get(n), op.f64Mul, get(m), op.f64ConvertI32S, op.f64Div, op.f64Floor, op.i32TruncSatF64S, get(start), op.i32Sub, tee(row),
          get(len), op.i32GeS, brIf(1),
          get(row), c(3), op.i32Shl, set(p),
          get(r), get(p), op.i32Add, op.f64Load(), get(y), get(p), op.i32Add, op.f64Load(), op.f64Add, set(w),
          get(w), k(1), get(w), op.f64Sub, op.f64Mul, op.f64Sqrt, set(w),
          get(root), get(q), op.i32Add, get(w), op.f64Store(),
          repeat(j, d,
            get(gb), get(j), c(STRIDE), op.i32Mul, op.i32Add, get(q), op.i32Add,
            get(w), get(x), get(j), c(STRIDE), op.i32Mul, op.i32Add, get(p), op.i32Add, op.f64Load(), op.f64Mul,
            op.f64Store(),
          ),
          get(q), c(8), op.i32Add, set(q),
          increment(s), br(0),
        ),
      ),
      get(s),
    ],
  };
}

function momentsKernel(): FunctionSpec {
  const [d, gb, t, raw] = [0, 1, 2, 3];
  const [j, kk, p, D, rowAt, q, end, a, col] = [4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [va, a0, a1, a2, a3, vb, b0, b1, b2, b3, vc] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
  /** raw[j][kk + offset / 8] += the vector's lanes */
  const addTo = (offset: number, vector: number) => [get(rowAt), get(rowAt), op.f64Load(offset), lanes(vector), op.f64Add, op.f64Store(offset)].flat();
  /** raw[j + 1][kk + offset / 8] += the vector's lanes */
  const addBelow = (offset: number, vector: number) => [get(rowAt), get(D), c(3), op.i32Shl, op.i32Add, tee(p), get(p), op.f64Load(offset), lanes(vector), op.f64Add, op.f64Store(offset)].flat();
  const zero = (vector: number) => [k(0), op.f64x2Splat, set(vector)].flat();
  /** Rows j (and j + 1 when `count` is 2) of raw against columns kk = j.. four at a time, then one. */
  const rowGroup = (count: 1 | 2) => {
    const both = count === 2;
    const sums = (width: number) => [a0, a1, a2, a3].slice(0, width);
    const lower = (width: number) => [b0, b1, b2, b3].slice(0, width);
    const columnsOf = (width: number) => [
      get(gb), get(kk), c(STRIDE), op.i32Mul, op.i32Add, set(col),
      get(raw), get(j), get(D), op.i32Mul, get(kk), op.i32Add, c(3), op.i32Shl, op.i32Add, set(rowAt),
      ...sums(width).map(zero), ...(both ? lower(width).map(zero) : []),
      rowPairs(q, end,
        load2(a, q), set(va),
        ...(both ? [load2(a, q, STRIDE), set(vb)] : []),
        ...sums(width).map((sum, i) => [load2(col, q, i * STRIDE), set(vc), accumulate(sum, va, get(vc)), ...(both ? [accumulate(lower(width)[i], vb, get(vc))] : [])].flat()),
      ),
      ...sums(width).map((sum, i) => addTo(8 * i, sum)),
      ...(both ? lower(width).map((sum, i) => addBelow(8 * i, sum)) : []),
    ];
    return [
      get(gb), get(j), c(STRIDE), op.i32Mul, op.i32Add, set(a),
      get(j), set(kk),
      block(loop(get(kk), c(4), op.i32Add, get(D), op.i32GtS, brIf(1), ...columnsOf(4), get(kk), c(4), op.i32Add, set(kk), br(0))),
      block(loop(get(kk), get(D), op.i32GeS, brIf(1), ...columnsOf(1), increment(kk), br(0))),
    ].flat();
  };
  return {
    name: 'moments',
    params: [i32, i32, i32, i32],
    results: [],
    locals: [i32, i32, i32, i32, i32, i32, i32, i32, i32, v128, v128, v128, v128, v128, v128, v128, v128, v128, v128, v128],
    body: [
      get(d), c(1), op.i32Add, set(D),
      get(t), c(3), op.i32Shl, set(q),
      // Rows go two at a time (f64x2): an odd count gets a zero row, which adds nothing.
      get(q), c(8), op.i32And,
      op.ifElse([
        repeat(j, D, get(gb), get(j), c(STRIDE), op.i32Mul, op.i32Add, get(q), op.i32Add, k(0), op.f64Store()),
        get(q), c(8), op.i32Add, set(q),
      ]),
      get(q), set(end),
      // raw[j][k] += g_j . g_k for k >= j: rows j, j + 1 together against columns k..k+3, so that each
      // vector loaded serves two or four multiply-adds (row j + 1 also gets raw[j + 1][j], below the
      // diagonal, which nothing reads); then one row, one column at a time for what is left.
      c(0), set(j),
      block(loop(
        get(j), c(2), op.i32Add, get(D), op.i32GtS, brIf(1),
        rowGroup(2),
        get(j), c(2), op.i32Add, set(j), br(0),
      )),
      get(j), get(D), op.i32LtS,
      op.ifElse([rowGroup(1)]),
    ],
  };
}

/** sum(x, len) -> x[0] + ... + x[len - 1]. */
function sumKernel(): FunctionSpec {
  const [x, len, i, acc] = [0, 1, 2, 3];
  return {
    name: 'sum',
    params: [i32, i32],
    results: [f64],
    locals: [i32, f64],
    body: [repeat(i, len, get(acc), at(x, i), op.f64Load(), op.f64Add, set(acc)), get(acc)],
  };
}

/**
 * cholesky(a, l, D, jitter) -> ok: the lower Cholesky factor of the D x D row-major a into l, with
 * jitter max(1, |a_ii|) added to each pivot; 0 when a pivot is not positive. solve(l, b, y, x, D): x
 * with L L^T x = b (y for L y = b). The same operations in the same order as linalg.ts's cholesky and
 * choleskySolve, so the step is the same to the bit; here the Newton loop's solve needs no JavaScript
 * compiled (V8 spent 4 to 6 ms of a first fit compiling those two).
 */
function choleskyKernel(): FunctionSpec {
  const [a, l, D, jitter] = [0, 1, 2, 3];
  const [i, j, kk, rowI, rowJ] = [4, 5, 6, 7, 8];
  const [s] = [9];
  const element = (base: number, row: number, column: number) => [get(base), get(row), op.i32Add, get(column), c(3), op.i32Shl, op.i32Add].flat();
  return {
    name: 'cholesky',
    params: [i32, i32, i32, f64],
    results: [i32],
    locals: [i32, i32, i32, i32, i32, f64],
    body: [
      repeat(i, D,
        get(i), get(D), op.i32Mul, c(3), op.i32Shl, set(rowI),
        c(0), set(j),
        block(loop(
          get(j), get(i), op.i32GtS, brIf(1),
          get(j), get(D), op.i32Mul, c(3), op.i32Shl, set(rowJ),
          element(a, rowI, j), op.f64Load(), set(s),
          repeat(kk, j, get(s), element(l, rowI, kk), op.f64Load(), element(l, rowJ, kk), op.f64Load(), op.f64Mul, op.f64Sub, set(s)),
          get(i), get(j), op.i32Eq,
          op.ifElse(
            [
              get(s), get(jitter), k(1), element(a, rowI, i), op.f64Load(), op.f64Abs, op.f64Max, op.f64Mul, op.f64Add, set(s),
              get(s), k(0), op.f64Gt, op.i32Eqz, op.ifElse([c(0), op.return]),
              element(l, rowI, i), get(s), op.f64Sqrt, op.f64Store(),
            ],
            [element(l, rowI, j), get(s), element(l, rowJ, j), op.f64Load(), op.f64Div, op.f64Store()],
          ),
          increment(j), br(0),
        )),
      ),
      c(1),
    ],
  };
}

function solveKernel(): FunctionSpec {
  const [l, b, y, x, D] = [0, 1, 2, 3, 4];
  const [i, kk, rowI, rowK] = [5, 6, 7, 8];
  const [s] = [9];
  return {
    name: 'solve',
    params: [i32, i32, i32, i32, i32],
    results: [],
    locals: [i32, i32, i32, i32, f64],
    body: [
      // L y = b
      repeat(i, D,
        get(i), get(D), op.i32Mul, c(3), op.i32Shl, set(rowI),
        at(b, i), op.f64Load(), set(s),
        repeat(kk, i, get(s), get(l), get(rowI), op.i32Add, get(kk), c(3), op.i32Shl, op.i32Add, op.f64Load(), at(y, kk), op.f64Load(), op.f64Mul, op.f64Sub, set(s)),
        at(y, i), get(s), get(l), get(rowI), op.i32Add, get(i), c(3), op.i32Shl, op.i32Add, op.f64Load(), op.f64Div, op.f64Store(),
      ),
      // L^T x = y, from the last row up
      get(D), c(1), op.i32Sub, set(i),
      block(loop(
        get(i), c(0), op.i32LtS, brIf(1),
        get(i), get(D), op.i32Mul, c(3), op.i32Shl, set(rowI),
        at(y, i), op.f64Load(), set(s),
        get(i), c(1), op.i32Add, set(kk),
        block(loop(
          get(kk), get(D), op.i32GeS, brIf(1),
          get(kk), get(D), op.i32Mul, c(3), op.i32Shl, set(rowK),
          get(s), get(l), get(rowK), op.i32Add, get(i), c(3), op.i32Shl, op.i32Add, op.f64Load(), at(x, kk), op.f64Load(), op.f64Mul, op.f64Sub, set(s),
          increment(kk), br(0),
        )),
        at(x, i), get(s), get(l), get(rowI), op.i32Add, get(i), c(3), op.i32Shl, op.i32Add, op.f64Load(), op.f64Div, op.f64Store(),
        get(i), c(1), op.i32Sub, set(i), br(0),
      )),
    ],
  };
}

/** The module's bytes: functions pass, gather, moments, sum, cholesky and solve over an imported memory. */
export function kernelModule(): Uint8Array {
  return assemble([passKernel(), gatherKernel(), momentsKernel(), sumKernel(), choleskyKernel(), solveKernel()]);
}

/** The text of logistic-kernels-wasm.ts. */
export function kernelModuleFile(): string {
  const base64 = Buffer.from(kernelModule()).toString('base64');
  const lines = base64.match(/.{1,100}/g) ?? [];
  return [
    '/** The LR fit\'s WebAssembly kernels, assembled ahead: written by `node dist/models/logistic-kernels-source.js` from logistic-kernels-source.ts (a test checks they agree). */',
    '',
    '/** Rows per chunk the kernels were written for. */',
    `export const CHUNK = ${CHUNK};`,
    '',
    '/** The module, base64. Assembling it at run time cost a fresh process about 20 ms of interpreted JavaScript. */',
    'export const KERNELS_BASE64 =',
    lines.map((l, i) => `  '${l}'${i === lines.length - 1 ? ';' : ' +'}`).join('\n'),
    '',
  ].join('\n');
}

if (require.main === module) writeFileSync(join(__dirname, '..', '..', 'models', 'logistic-kernels-wasm.ts'), kernelModuleFile());
