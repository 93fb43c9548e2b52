/** A minimal WebAssembly binary writer: enough of the format (types, an imported memory, functions, exports, code) for numeric kernels written as instruction lists. */

/** Value types. */
export const i32 = 0x7f;
export const i64 = 0x7e;
export const f64 = 0x7c;
/** 128-bit SIMD vector (two f64 lanes here). */
export const v128 = 0x7b;
export type ValueType = typeof i32 | typeof i64 | typeof f64 | typeof v128;

/** Unsigned LEB128. */
function unsigned(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
function signed(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const name = (s: string): number[] => {
  const bytes = new TextEncoder().encode(s);
  return [...unsigned(bytes.length), ...bytes];
};
const vector = (items: number[][]): number[] => [...unsigned(items.length), ...items.flat()];
const section = (id: number, items: number[][]): number[] => {
  const body = vector(items);
  return [id, ...unsigned(body.length), ...body];
};

/**
 * Instructions, each a function returning its bytes. Operands are local indices, labels (0 = the
 * innermost enclosing block or loop) or constants; f64 memory access is 8-byte aligned.
 */
export const op = {
  get: (local: number) => [0x20, ...unsigned(local)],
  set: (local: number) => [0x21, ...unsigned(local)],
  tee: (local: number) => [0x22, ...unsigned(local)],
  i32: (n: number) => [0x41, ...signed(n)],
  /** An i64 constant within the i32 range. */
  i64: (n: number) => [0x42, ...signed(n)],
  f64: (x: number) => [0x44, ...new Uint8Array(Float64Array.of(x).buffer)],
  /** block ... end with no result; `br` to it jumps past its end. */
  block: (...body: number[][]) => [0x02, 0x40, ...body.flat(), 0x0b],
  /** loop ... end with no result; `br` to it jumps back to its start. */
  loop: (...body: number[][]) => [0x03, 0x40, ...body.flat(), 0x0b],
  /** if ... else ... end with no result, on the i32 on the stack. */
  ifElse: (then: number[][], otherwise: number[][] = []) => [0x04, 0x40, ...then.flat(), ...(otherwise.length ? [0x05, ...otherwise.flat()] : []), 0x0b],
  br: (label: number) => [0x0c, ...unsigned(label)],
  brIf: (label: number) => [0x0d, ...unsigned(label)],
  select: [0x1b],
  return: [0x0f],
  f64Load: (offset = 0) => [0x2b, 3, ...unsigned(offset)],
  f64Store: (offset = 0) => [0x39, 3, ...unsigned(offset)],
  i32Load: (offset = 0) => [0x28, 2, ...unsigned(offset)],
  i32Store: (offset = 0) => [0x36, 2, ...unsigned(offset)],
  /** v128 load and store; alignment hint 8 bytes, as the f64 arrays are laid out. */
  v128Load: (offset = 0) => [0xfd, 0x00, 3, ...unsigned(offset)],
  v128Store: (offset = 0) => [0xfd, 0x0b, 3, ...unsigned(offset)],
  f64x2Splat: [0xfd, 0x14],
  f64x2ExtractLane: (lane: number) => [0xfd, 0x21, lane],
  f64x2Add: [0xfd, 0xf0, 0x01],
  f64x2Mul: [0xfd, 0xf2, 0x01],
  i32Eqz: [0x45],
  i32Eq: [0x46],
  i32GtU: [0x4b],
  i32LtU: [0x49],
  i32LtS: [0x48],
  i32GtS: [0x4a],
  i32GeS: [0x4e],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  i32And: [0x71],
  i32Or: [0x72],
  i64Add: [0x7c],
  i64Sub: [0x7d],
  i64Mul: [0x7e],
  i64RemS: [0x81],
  i64RemU: [0x82],
  i64And: [0x83],
  i64Or: [0x84],
  i64Shl: [0x86],
  i64ShrU: [0x88],
  i64Eqz: [0x50],
  i64Ne: [0x52],
  i64LtS: [0x53],
  i64GeS: [0x59],
  i64GeU: [0x5a],
  i64Load: (offset = 0) => [0x29, 3, ...unsigned(offset)],
  i64Store: (offset = 0) => [0x37, 3, ...unsigned(offset)],
  /** f64 to i64, truncated, saturating (NaN gives 0) rather than trapping. */
  i64TruncSatF64S: [0xfc, 0x06],
  i32WrapI64: [0xa7],
  i64ExtendI32S: [0xac],
  i64ReinterpretF64: [0xbd],
  f64ReinterpretI64: [0xbf],
  /** f64 to i32, truncated, saturating (NaN gives 0) rather than trapping. */
  i32TruncSatF64S: [0xfc, 0x02],
  f64Lt: [0x63],
  f64Gt: [0x64],
  f64Ge: [0x66],
  f64Abs: [0x99],
  f64Neg: [0x9a],
  f64Floor: [0x9c],
  f64Sqrt: [0x9f],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Div: [0xa3],
  f64Max: [0xa5],
  i32TruncF64S: [0xaa],
  f64ConvertI32S: [0xb7],
};

/** `local` += 1 (an i32 local). */
export const increment = (local: number) => [op.get(local), op.i32(1), op.i32Add, op.set(local)].flat();
/** Byte offset of element `index` (a local) of an f64 array at `base` (a local). */
export const at = (base: number, index: number) => [op.get(base), op.get(index), op.i32(3), op.i32Shl, op.i32Add].flat();
/** `for (index = 0; index < limit; index++) body`, limit and index i32 locals; the body sees its label depth + 2. */
export const repeat = (index: number, limit: number, ...body: number[][]) =>
  [op.i32(0), op.set(index), op.block(op.loop(op.get(index), op.get(limit), op.i32GeS, op.brIf(1), ...body, increment(index), op.br(0)))].flat();

export interface FunctionSpec {
  /** Exported under this name. */
  name: string;
  params: ValueType[];
  results: ValueType[];
  /** Types of the locals after the parameters. */
  locals: ValueType[];
  body: number[][];
}

/** A module importing one memory (`env.memory`), with `functions` exported by name. */
export function assemble(functions: FunctionSpec[]): Uint8Array {
  const signatures = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const importEntries = [[...name('env'), ...name('memory'), 0x02, 0x00, ...unsigned(1)]];
  const code = functions.map((f) => {
    const locals = vector(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body.flat(), 0x0b];
    return [...unsigned(body.length), ...body];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, signatures),
    ...section(2, importEntries),
    ...section(3, functions.map((_, k) => unsigned(k))),
    ...section(7, functions.map((f, k) => [...name(f.name), 0x00, ...unsigned(k)])),
    ...section(10, code),
  ]);
}
