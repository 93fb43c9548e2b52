/**
 * The optional `@duckdb/node-api` package, loaded at run time: the few calls the columnar store
 * makes, typed here so that the enclave compiles and runs where the package is not installed.
 */

/** A vector of a data chunk: typed items for numbers, setItem for strings, a validity mask for nulls. */
export interface DuckVector {
  readonly items?: Float64Array | Int32Array;
  readonly validity: { itemValid(i: number): boolean; setItemValid(i: number, valid: boolean): void };
  setItem(i: number, value: string | number | null): void;
  getItem(i: number): unknown;
  flush(): void;
}

export interface DuckChunk {
  rowCount: number;
  getColumnVector(column: number): DuckVector;
}

export interface DuckAppender {
  appendDataChunk(chunk: DuckChunk): void;
  appendInteger(value: number): void;
  appendVarchar(value: string): void;
  endRow(): void;
  closeSync(): void;
}

export interface DuckReader {
  getColumnsJS(): unknown[][];
  getRowsJS(): unknown[][];
}

export interface DuckStreamResult {
  fetchChunk(): Promise<DuckChunk | null>;
}

export interface DuckConnection {
  run(sql: string, values?: unknown[]): Promise<unknown>;
  runAndReadAll(sql: string, values?: unknown[]): Promise<DuckReader>;
  stream(sql: string, values?: unknown[]): Promise<DuckStreamResult>;
  createAppender(table: string, schema?: string | null, catalog?: string | null): Promise<DuckAppender>;
  closeSync(): void;
}

export interface DuckInstance {
  connect(): Promise<DuckConnection>;
  closeSync(): void;
}

export interface DuckType {
  readonly typeId: number;
}

export interface DuckDbApi {
  DuckDBInstance: { create(path: string, options?: Record<string, string>): Promise<DuckInstance> };
  DuckDBDataChunk: { create(types: readonly DuckType[], rowCount?: number): DuckChunk };
  INTEGER: DuckType;
  DOUBLE: DuckType;
  VARCHAR: DuckType;
  version(): string;
}

let loaded: { api?: DuckDbApi; problem?: string } | undefined;

/** The package, or why it could not load (its message names the module, never a value from the data). */
export function loadDuckDb(): { api?: DuckDbApi; problem?: string } {
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { api: require('@duckdb/node-api') as DuckDbApi };
    } catch (e) {
      loaded = { problem: (e as Error).message.split('\n')[0] };
    }
  }
  return loaded;
}

/**
 * What a log line may say about a failure of the columnar store: the kind of error (DuckDB's "IO
 * Error", a file system code such as ENOSPC) or a message of our own, never DuckDB's full message,
 * which could quote a value it was given.
 */
export function failureKind(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  const message = e instanceof Error ? e.message : '';
  if ((e as { ours?: boolean })?.ours) return message;
  return /^([A-Za-z]+(?: [A-Za-z]+)? Error)\b/.exec(message)?.[1] ?? 'DuckDB error';
}

/** A failure the columnar store raises itself, whose message carries no value and may be logged whole. */
export function ownFailure(message: string): Error {
  return Object.assign(new Error(message), { ours: true });
}
