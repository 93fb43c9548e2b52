/** The logistic-regression fit's loops over rows, as a small WebAssembly module over one memory laid out per fit. */
import { FunctionSpec, assemble, f64, i32, op } from './wasm-assembler';
import { expNonPositive, log1pUnit } from './wasm-math';

/*
 * Why WebAssembly: V8 compiles WebAssembly at once (Liftoff) without waiting for type feedback, so a
 * fresh process's first fit runs its loops at compiled speed from the first row. The same loops in
 * JavaScript run up to 15 times slower in the interpreter and baseline code until TurboFan has
 * compiled each of them, and those compilations were most of a first fit's time (about 23 of them,
 * 37 ms of CPU on the shared data, against 30 ms of arithmetic).
 */

/** Rows per chunk: a pass copies each column's chunk into the module's memory and works on it there. */
export const CHUNK = 1024;

const { get, set, tee, block, loop, br, brIf } = op;
const c = op.i32;
const k = op.f64;
/** `local` += 1. */
const increment = (local: number) => [get(local), c(1), op.i32Add, set(local)].flat();
/** Byte offset of element `index` (a local) of an f64 array at `base` (a local). */
const at = (base: number, index: number) => [get(base), get(index), c(3), op.i32Shl, op.i32Add].flat();
/** `for (index = 0; index < limit; index++) body`, limit and index locals; the body sees its label depth + 2. */
const repeat = (index: number, limit: number, ...body: number[][]) =>
  [c(0), set(index), block(loop(get(index), get(limit), op.i32GeS, brIf(1), ...body, increment(index), br(0)))].flat();

/** Bytes from one column's chunk to the next in the module's memory. */
const STRIDE = CHUNK * 8;

/** `for (p = 0; p < end; p += 8) body`: p and end locals, byte offsets of a chunk's rows. */
const rows = (p: number, end: number, ...body: number[][]) =>
  [c(0), set(p), block(loop(get(p), get(end), op.i32GeS, brIf(1), ...body, get(p), c(8), op.i32Add, set(p), br(0)))].flat();
/** The f64 at byte `base + p + offset` (base and p locals). */
const load = (base: number, p: number, offset = 0) => [get(base), get(p), op.i32Add, op.f64Load(offset)].flat();

/**
 * pass(x, d, len, b, y, z, r, g) -> loss: for the chunk's len rows, with column j at x + j * STRIDE and
 * the labels at y: z = b[d] + sum_j b[j] x_j; r = sigma(z) - y; adds r . x_j to g[j] and sum(r) to g[d];
 * returns the sum of log(1 + e^z) - y z, written to stay finite for large |z|. Columns go four at a
 * time, so each z and r is loaded once for four multiply-adds.
 */
function passKernel(): FunctionSpec {
  const [x, d, len, b, y, z, r, g] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [p, end, j, col, at4] = [8, 9, 10, 11, 12];
  const [b0, b1, b2, b3, zi, e, q, yi, ri, loss, sumR, softplus] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
  const expLocals = { hx: 25, kk: 26, hi: 27, lo: 28, r: 29, t: 30, cc: 31, y: 32 };
  const logLocals = { f: 27, hfsq: 28, s: 29, z: 30, u: 31, cc: 32 };
  const [s0, s1, s2, s3] = [b0, b1, b2, b3];
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
  /** vector[j + offset / 8] += local */
  const addTo = (offset: number, local: number) => [get(at4), get(at4), op.f64Load(offset), get(local), op.f64Add, op.f64Store(offset)].flat();
  return {
    name: 'pass',
    params: [i32, i32, i32, i32, i32, i32, i32, i32],
    results: [f64],
    locals: [i32, i32, i32, i32, i32, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, i32, i32, f64, f64, f64, f64, f64, f64],
    body: [
      get(len), c(3), op.i32Shl, set(end),
      // z = intercept
      get(b), get(d), c(3), op.i32Shl, op.i32Add, op.f64Load(), set(b0),
      rows(p, end, get(z), get(p), op.i32Add, get(b0), op.f64Store()),
      // z += b_j x_j, four columns per pass over z, then one at a time
      c(0), set(j),
      columns(4, b,
        get(at4), op.f64Load(0), set(b0), get(at4), op.f64Load(8), set(b1), get(at4), op.f64Load(16), set(b2), get(at4), op.f64Load(24), set(b3),
        rows(p, end,
          get(z), get(p), op.i32Add,
          load(z, p),
          get(b0), load(col, p), op.f64Mul, get(b1), load(col, p, STRIDE), op.f64Mul, op.f64Add,
          get(b2), load(col, p, 2 * STRIDE), op.f64Mul, op.f64Add, get(b3), load(col, p, 3 * STRIDE), op.f64Mul, op.f64Add,
          op.f64Add, op.f64Store(),
        ),
      ),
      columns(1, b,
        get(at4), op.f64Load(0), set(b0),
        rows(p, end, get(z), get(p), op.i32Add, load(z, p), get(b0), load(col, p), op.f64Mul, op.f64Add, op.f64Store()),
      ),
      // residuals and loss
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
      // gradient: g[j] += r . x_j four columns at a time, then one at a time; g[d] += sum(r)
      c(0), set(j),
      columns(4, g,
        k(0), set(s0), k(0), set(s1), k(0), set(s2), k(0), set(s3),
        rows(p, end,
          load(r, p), set(ri),
          get(s0), get(ri), load(col, p), op.f64Mul, op.f64Add, set(s0),
          get(s1), get(ri), load(col, p, STRIDE), op.f64Mul, op.f64Add, set(s1),
          get(s2), get(ri), load(col, p, 2 * STRIDE), op.f64Mul, op.f64Add, set(s2),
          get(s3), get(ri), load(col, p, 3 * STRIDE), op.f64Mul, op.f64Add, set(s3),
        ),
        addTo(0, s0), addTo(8, s1), addTo(16, s2), addTo(24, s3),
      ),
      columns(1, g,
        k(0), set(s0),
        rows(p, end, get(s0), load(r, p), load(col, p), op.f64Mul, op.f64Add, set(s0)),
        addTo(0, s0),
      ),
      get(g), get(d), c(3), op.i32Shl, op.i32Add, set(at4),
      addTo(0, sumR),
      get(loss),
    ],
  };
}

/**
 * curvature(s, start, len, n, m, x, d, r, y, raw, v) -> s': for the Hessian's sampled rows
 * floor(s n / m) that fall in the chunk (rows start..start+len, laid out as for pass, with its
 * residuals r and labels y), adds w v_j v_k to raw[j][k] for k >= j ((d + 1) x (d + 1), row-major),
 * with v = (x_0 .. x_{d-1}, 1) gathered into v and w = p (1 - p), p = r + y: the sums of w x_j x_k,
 * w x_j and w. Returns the next s.
 */
function curvatureKernel(): FunctionSpec {
  const [s, start, len, n, m, x, d, r, y, raw, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [row, j, kk, p, D, rowAt] = [11, 12, 13, 14, 15, 16];
  const [w, h] = [17, 18];
  return {
    name: 'curvature',
    params: [i32, i32, i32, f64, i32, i32, i32, i32, i32, i32, i32],
    results: [i32],
    locals: [i32, i32, i32, i32, i32, i32, f64, f64],
    body: [
      get(d), c(1), op.i32Add, set(D),
      at(v, d), k(1), op.f64Store(),
      block(
        loop(
          get(s), get(m), op.i32GeS, brIf(1),
          // row = floor((s * n) / m) - start, as Math.floor computes it
          get(s), op.f64ConvertI32S, get(n), op.f64Mul, get(m), op.f64ConvertI32S, op.f64Div, op.f64Floor, op.i32TruncSatF64S, get(start), op.i32Sub, tee(row),
          get(len), op.i32GeS, brIf(1),
          get(row), c(3), op.i32Shl, set(p),
          get(r), get(p), op.i32Add, op.f64Load(), get(y), get(p), op.i32Add, op.f64Load(), op.f64Add, set(w),
          get(w), k(1), get(w), op.f64Sub, op.f64Mul, set(w),
          repeat(j, d, at(v, j), get(x), get(j), c(STRIDE), op.i32Mul, op.i32Add, get(p), op.i32Add, op.f64Load(), op.f64Store()),
          // raw[j][k] += (w v_j) v_k
          repeat(j, D,
            get(w), at(v, j), op.f64Load(), op.f64Mul, set(h),
            get(raw), get(j), get(D), op.i32Mul, c(3), op.i32Shl, op.i32Add, set(rowAt),
            [get(j), set(kk), block(loop(
              get(kk), get(D), op.i32GeS, brIf(1),
              at(rowAt, kk), tee(p), get(p), op.f64Load(), get(h), at(v, kk), op.f64Load(), op.f64Mul, op.f64Add, op.f64Store(),
              increment(kk), br(0),
            ))].flat(),
          ),
          increment(s), br(0),
        ),
      ),
      get(s),
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

interface Exports {
  pass(x: number, d: number, len: number, b: number, y: number, z: number, r: number, g: number): number;
  curvature(s: number, start: number, len: number, n: number, m: number, x: number, d: number, r: number, y: number, raw: number, v: number): number;
  sum(x: number, len: number): number;
}

/** The slice of the WebAssembly global used here (Node has it; its types live in lib.dom). */
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;
const PAGE = 65_536;

/** Byte offsets of a fit's arrays in the module's memory. */
interface Layout {
  x: number;
  y: number;
  z: number;
  r: number;
  b: number;
  g: number;
  raw: number;
  v: number;
  bytes: number;
}

function layout(d: number): Layout {
  const D = d + 1;
  let next = 0;
  const take = (doubles: number): number => {
    const offset = next;
    next += doubles * 8;
    return offset;
  };
  const l = { x: take(d * CHUNK), y: take(CHUNK), z: take(CHUNK), r: take(CHUNK), b: take(D), g: take(D), raw: take(D * D), v: take(D) };
  return { ...l, bytes: next };
}

/** A module instance with its memory, kept between fits so that a later fit touches no fresh pages. */
interface Workspace {
  memory: WasmMemory;
  run: Exports;
}

/** The workspace not in use; a fit takes it (or makes one) and gives it back when done. */
let idle: Workspace | undefined;

function workspace(bytes: number): Workspace {
  compiled ??= new wasm.Module(
    assemble([passKernel(), curvatureKernel(), sumKernel()]),
  );
  const found = idle;
  idle = undefined;
  const pages = Math.ceil(bytes / PAGE);
  if (found) {
    const have = found.memory.buffer.byteLength / PAGE;
    if (have < pages) found.memory.grow(pages - have);
    return found;
  }
  const memory = new wasm.Memory({ initial: pages });
  const instance = new wasm.Instance(compiled, { env: { memory } });
  return { memory, run: instance.exports as unknown as Exports };
}

/**
 * One fit's kernels: the design's d columns of n rows, of which m evenly spaced ones form the Hessian's
 * sample. Call `release` when the fit is done.
 */
export class LogisticKernels {
  private readonly at: Layout;
  private readonly space: Workspace;
  private readonly run: Exports;
  private readonly memory: Float64Array;
  private readonly D: number;

  constructor(
    private readonly d: number,
    private readonly n: number,
    private readonly m: number,
  ) {
    this.D = d + 1;
    this.at = layout(d);
    this.space = workspace(this.at.bytes);
    this.run = this.space.run;
    this.memory = new Float64Array(this.space.memory.buffer);
  }

  /** Hands the memory on to the next fit (its contents are overwritten before they are read). */
  release(): void {
    idle = this.space;
  }

  /** The labels' sum, copying them in chunk by chunk. */
  labelSum(y: ArrayLike<number>): number {
    let total = 0;
    for (let start = 0; start < this.n; start += CHUNK) {
      const len = Math.min(CHUNK, this.n - start);
      this.memory.set(slice(y, start, len), this.at.y / 8);
      total += this.run.sum(this.at.y, len);
    }
    return total;
  }

  /**
   * One pass over every row at raw coefficients `rawBeta` (weights, intercept last): returns the sum of
   * the log losses and leaves in `gradient` the residuals' dot products with each column and, last,
   * their sum. With `raw`, also the Hessian's sums over the sampled rows, (d + 1) x (d + 1) row-major,
   * upper triangle: w x_j x_k (j, k < d), w x_j (column d) and w (corner), w = p (1 - p).
   */
  pass(columns: Float64Array[], y: ArrayLike<number>, rawBeta: Float64Array, gradient: Float64Array, raw?: Float64Array): number {
    const { d, n, m, memory, run } = this;
    const a = this.at;
    memory.set(rawBeta, a.b / 8);
    memory.fill(0, a.g / 8, a.g / 8 + this.D);
    if (raw) memory.fill(0, a.raw / 8, a.raw / 8 + this.D * this.D);
    let loss = 0;
    let s = 0;
    for (let start = 0; start < n; start += CHUNK) {
      const len = Math.min(CHUNK, n - start);
      for (let j = 0; j < d; j++) memory.set(columns[j].subarray(start, start + len), a.x / 8 + j * CHUNK);
      memory.set(slice(y, start, len), a.y / 8);
      loss += run.pass(a.x, d, len, a.b, a.y, a.z, a.r, a.g);
      if (raw) s = run.curvature(s, start, len, n, m, a.x, d, a.r, a.y, a.raw, a.v);
    }
    gradient.set(memory.subarray(a.g / 8, a.g / 8 + this.D));
    raw?.set(memory.subarray(a.raw / 8, a.raw / 8 + this.D * this.D));
    return loss;
  }
}

/** y[start..start+len) as something TypedArray.prototype.set copies fast. */
function slice(y: ArrayLike<number>, start: number, len: number): ArrayLike<number> {
  if (ArrayBuffer.isView(y)) return (y as unknown as Float64Array).subarray(start, start + len);
  return Array.prototype.slice.call(y, start, start + len) as number[];
}
