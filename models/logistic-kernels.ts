/** The LR fit's loops over rows: a small WebAssembly module (logistic-kernels-source.ts) over one memory laid out per fit. */
import { CHUNK, KERNELS_BASE64 } from './logistic-kernels-wasm';
import { PAGE, WasmMemory, wasm } from './wasm-api';

/*
 * Why WebAssembly: V8 compiles WebAssembly at once (Liftoff) without waiting for type feedback, so a
 * fresh process's first fit runs its loops at compiled speed from the first row. The same loops in
 * JavaScript run up to 15 times slower in the interpreter and baseline code until TurboFan has
 * compiled each of them, and those compilations were most of a first fit's time (about 23 of them,
 * 37 ms of CPU on the shared data, against 30 ms of arithmetic).
 */

interface Exports {
  pass(x: number, d: number, len: number, b: number, y: number, z: number, r: number, g: number): number;
  gather(s: number, start: number, len: number, n: number, m: number, x: number, d: number, r: number, y: number, gb: number, t: number): number;
  moments(d: number, gb: number, t: number, raw: number): void;
  sum(x: number, len: number): number;
  cholesky(a: number, l: number, D: number, jitter: number): number;
  solve(l: number, b: number, y: number, x: number, D: number): void;
}

let compiled: object | undefined;

/** Byte offsets of a fit's arrays in the module's memory. */
interface Layout {
  x: number;
  y: number;
  z: number;
  r: number;
  b: number;
  g: number;
  raw: number;
  gb: number;
  a: number;
  l: number;
  rhs: number;
  half: number;
  step: number;
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
  const l = { x: take(d * CHUNK), y: take(CHUNK), z: take(CHUNK), r: take(CHUNK), b: take(D), g: take(D), raw: take(D * D), gb: take(D * CHUNK), a: take(D * D), l: take(D * D), rhs: take(D), half: take(D), step: take(D) };
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
  compiled ??= new wasm.Module(Uint8Array.from(atob(KERNELS_BASE64), (ch) => ch.charCodeAt(0)));
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
  private readonly d: number;
  private readonly D: number;
  /**
   * Each chunk's slice of every column, then of the labels, made once: a pass only copies. Views made
   * afresh in each pass (thousands of small objects) filled new young-generation pages, and a fresh
   * page costs a fault.
   */
  private readonly chunks: ArrayLike<number>[][];

  /** The design's columns, each of n rows, and their labels; m evenly spaced rows form the Hessian's sample. */
  constructor(
    columns: Float64Array[],
    y: ArrayLike<number>,
    private readonly n: number,
    private readonly m: number,
  ) {
    this.d = columns.length;
    this.D = this.d + 1;
    this.at = layout(this.d);
    this.space = workspace(this.at.bytes);
    this.run = this.space.run;
    this.memory = new Float64Array(this.space.memory.buffer);
    this.chunks = [];
    for (let start = 0; start < n; start += CHUNK) {
      const end = Math.min(start + CHUNK, n);
      this.chunks.push([...columns.map((c) => c.subarray(start, end)), slice(y, start, end)]);
    }
  }

  /**
   * Hands the memory on to the next fit, zeroed: rows of this fit's table stay in no buffer it leaves
   * behind (zeroing pages the fit has touched costs no page faults).
   */
  release(): void {
    this.memory.fill(0, 0, this.at.bytes / 8);
    idle = this.space;
  }

  /** The labels' sum, copying them in chunk by chunk. */
  labelSum(): number {
    let total = 0;
    for (const chunk of this.chunks) {
      const labels = chunk[this.d];
      this.memory.set(labels, this.at.y / 8);
      total += this.run.sum(this.at.y, labels.length);
    }
    return total;
  }

  /**
   * One pass over every row at raw coefficients `rawBeta` (weights, intercept last): returns the sum of
   * the log losses and leaves in `gradient` the residuals' dot products with each column and, last,
   * their sum. With `raw`, also the Hessian's sums over the sampled rows, (d + 1) x (d + 1) row-major,
   * upper triangle: w x_j x_k (j, k < d), w x_j (column d) and w (corner), w = p (1 - p).
   */
  pass(rawBeta: Float64Array, gradient: Float64Array, raw?: Float64Array): number {
    const { d, n, m, memory, run } = this;
    const a = this.at;
    memory.set(rawBeta, a.b / 8);
    memory.fill(0, a.g / 8, a.g / 8 + this.D);
    if (raw) memory.fill(0, a.raw / 8, a.raw / 8 + this.D * this.D);
    let loss = 0;
    // s: the next sampled row; t: sampled rows gathered and not yet summed. A chunk adds at most
    // `most` of them, and the gathered rows (with a zero row to make their count even) fit in CHUNK.
    let s = 0;
    let t = 0;
    const most = Math.ceil((CHUNK * m) / n) + 1;
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      const len = chunk[d].length;
      copyIn(memory, chunk, a.x / 8, a.y / 8);
      loss += run.pass(a.x, d, len, a.b, a.y, a.z, a.r, a.g);
      if (raw) {
        if (t > 0 && t + most >= CHUNK) {
          run.moments(d, a.gb, t, a.raw);
          t = 0;
        }
        const next = run.gather(s, c * CHUNK, len, n, m, a.x, d, a.r, a.y, a.gb, t);
        t += next - s;
        s = next;
      }
    }
    if (raw && t > 0) run.moments(d, a.gb, t, a.raw);
    gradient.set(memory.subarray(a.g / 8, a.g / 8 + this.D));
    raw?.set(memory.subarray(a.raw / 8, a.raw / 8 + this.D * this.D));
    return loss;
  }

  /**
   * The x with A x = b for the symmetric positive-definite D x D row-major A, into `out`: Cholesky as
   * linalg.ts's solveSpd does it (the same ridge when a pivot is not positive), in the module.
   */
  solve(matrix: Float64Array, b: Float64Array, out: Float64Array): void {
    const { D, memory, run } = this;
    const a = this.at;
    memory.set(matrix, a.a / 8);
    memory.set(b, a.rhs / 8);
    for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 : jitter * 100) {
      if (run.cholesky(a.a, a.l, D, jitter)) {
        run.solve(a.l, a.rhs, a.half, a.step, D);
        out.set(memory.subarray(a.step / 8, a.step / 8 + D));
        return;
      }
      if (jitter > 1) throw new RangeError('matrix is not positive definite');
    }
  }
}

/**
 * Copies a chunk's column slices (then its labels) into the module's memory: columns CHUNK apart from
 * `x`, labels at `y` (indices in doubles). A function of its own, the only loop a pass runs in
 * JavaScript, so that what V8 compiles for it is small: compiled inline in `pass`, it cost a first fit
 * 4 to 16 ms of TurboFan.
 */
function copyIn(memory: Float64Array, chunk: ArrayLike<number>[], x: number, y: number): void {
  const d = chunk.length - 1;
  for (let j = 0; j < d; j++) memory.set(chunk[j], x + j * CHUNK);
  memory.set(chunk[d], y);
}

/** y[start..end) as something TypedArray.prototype.set copies fast. */
function slice(y: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  if (ArrayBuffer.isView(y)) return (y as unknown as Float64Array).subarray(start, end);
  return Array.prototype.slice.call(y, start, end) as number[];
}
