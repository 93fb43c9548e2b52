/** The slice of the WebAssembly global the models use: Node has it, but its types live in lib.dom, which this project leaves out. */

export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Bytes in a page of WebAssembly memory. */
export const PAGE = 65_536;
