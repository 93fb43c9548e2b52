/**
 * Writes the columnar copy of one dataset snapshot while the import inserts the same checked rows
 * into SQLite: into a temporary DuckDB file that becomes the snapshot's copy only by a rename after
 * SQLite committed, so a copy that exists is whole.
 */
import { rm } from 'node:fs/promises';
import { isMissingCell } from '../../lab/data/columns';
import type { RowBatch } from '../data/csv-import';
import type { DuckAppender, DuckChunk, DuckConnection, DuckDbApi, DuckVector } from './duckdb-api';

/** A stored (non-id) column of the snapshot, in the order SQLite keeps its cells. */
export interface StoredColumn {
  name: string;
  type: 'numeric' | 'categorical';
}

/** A numeric column's whole-table figures, as release/population.ts summarizeColumn counts them (numbers kept as text: a sum may be infinite). */
export interface NumericFigures {
  cells: number;
  count: number;
  sum: string;
  squares: string;
  flag: boolean;
}

/** What the copy says about itself, checked before it is read. */
export interface Manifest {
  dataset: string;
  version: number;
  digest: string;
  rows: number;
  columns: StoredColumn[];
  numeric: Record<string, NumericFigures>;
}

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

/**
 * How a numeric cell is stored: a double (null for a gap), and its trimmed text only where the double
 * does not give it back (`1.50`, `none`), so that every rule that reads cells as text reads the same.
 * `counted` is the number summarizeColumn (release/population.ts) counts, when it counts one, and
 * `flag` whether the cell keeps the column a 0/1 flag by that rule.
 */
export function numericCell(cell: string): { value: number | null; text: string | null; counted: number | null; flag: boolean } {
  // A cell that starts with a digit is no gap word: the common case, without trimming or lowering it.
  const first = cell.charCodeAt(0);
  const digit = first >= 48 && first <= 57;
  if (!digit && isMissingCell(cell)) return { value: null, text: null, counted: null, flag: true };
  // Between two digits there is nothing for trim() to remove.
  const last = cell.charCodeAt(cell.length - 1);
  const t = digit && last >= 48 && last <= 57 ? cell : cell.trim();
  const flag = t === '0' || t === '1';
  if (!digit && isMissingCell(t, 'numeric')) return { value: null, text: t, counted: null, flag };
  const value = Number(t);
  return { value, text: String(value) === t ? null : t, counted: Number.isFinite(value) ? value : null, flag };
}

export class SnapshotWriter {
  private rows = 0;
  private readonly numericAt: number[];
  private readonly sums: { count: number; sum: number; flag: boolean }[];
  /** Each column's place in `sums` (numeric columns only). */
  private readonly sumAt: number[];
  private chunk: DuckChunk | undefined;
  private vectors: DuckVector[] = [];
  private filled = 0;
  private closed = false;
  /** Set by the first failure of a DuckDB call: the import goes on into SQLite alone, and this copy is never published. */
  private failure: Error | undefined;

  constructor(
    private readonly api: DuckDbApi,
    private readonly connection: DuckConnection,
    private readonly alias: string,
    readonly tmpFile: string,
    private readonly platform: DuckAppender,
    private readonly texts: DuckAppender,
    readonly dataset: string,
    readonly version: number,
    readonly columns: StoredColumn[],
  ) {
    this.numericAt = columns.flatMap((c, j) => (c.type === 'numeric' ? [j] : []));
    this.sums = this.numericAt.map(() => ({ count: 0, sum: 0, flag: true }));
    this.sumAt = columns.map((_, j) => this.numericAt.indexOf(j));
  }

  /** The DuckDB types of the table's columns: row, id, then each stored column. */
  private types() {
    return [this.api.INTEGER, this.api.VARCHAR, ...this.columns.map((c) => (c.type === 'numeric' ? this.api.DOUBLE : this.api.VARCHAR))];
  }

  /** One batch of checked rows, cells in the stored columns' order (the import's sink); never throws. */
  append(batch: RowBatch): void {
    if (this.failure) return;
    try {
      this.appendRows(batch);
    } catch (e) {
      this.failure = e as Error;
    }
  }

  private appendRows(batch: RowBatch): void {
    for (let i = 0; i < batch.ids.length; i++) {
      if (!this.chunk) {
        this.chunk = this.api.DuckDBDataChunk.create(this.types(), CHUNK_ROWS);
        this.vectors = this.types().map((_, j) => this.chunk!.getColumnVector(j));
      }
      const at = this.filled;
      const cells = batch.cells[i];
      this.vectors[0].items![at] = this.rows;
      this.vectors[1].setItem(at, batch.ids[i]);
      this.columns.forEach((c, j) => {
        const vector = this.vectors[2 + j];
        if (c.type === 'categorical') {
          vector.setItem(at, isMissingCell(cells[j]) ? null : cells[j].trim());
          return;
        }
        const { value, text, counted, flag } = numericCell(cells[j]);
        // A new chunk's rows are all valid: only gaps are marked (the mask's BigInt arithmetic is dear).
        if (value === null) vector.validity.setItemValid(at, false);
        else vector.items![at] = value;
        if (text !== null) {
          this.texts.appendInteger(this.rows);
          this.texts.appendInteger(j);
          this.texts.appendVarchar(text);
          this.texts.endRow();
        }
        // The rule of release/population.ts summarizeColumn, on the same cells in the same order.
        const s = this.sums[this.sumAt[j]];
        if (!flag) s.flag = false;
        if (counted !== null) {
          s.count++;
          s.sum += counted;
        }
      });
      this.rows++;
      if (++this.filled === CHUNK_ROWS) this.flushChunk();
    }
  }

  private flushChunk(): void {
    if (!this.chunk || this.filled === 0) return;
    this.chunk.rowCount = this.filled;
    this.vectors.forEach((v) => v.flush());
    this.platform.appendDataChunk(this.chunk);
    this.chunk = undefined;
    this.filled = 0;
  }

  /**
   * Ends the table, then reads each numeric column back in row order for the second pass of the
   * standardization's deviations (the mean is the first pass's), and writes the manifest.
   */
  async finish(digest: string): Promise<Manifest> {
    if (this.failure) throw this.failure;
    this.flushChunk();
    this.platform.closeSync();
    this.texts.closeSync();
    const numeric: Record<string, NumericFigures> = {};
    const means = this.sums.map((s) => (s.count ? s.sum / s.count : 0));
    const squares = this.numericAt.map(() => 0);
    if (this.numericAt.length) {
      const stream = await this.connection.stream(`SELECT ${this.numericAt.map((j) => `c${j}`).join(', ')} FROM ${this.alias}.platform ORDER BY row`);
      for (let chunk = await stream.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await stream.fetchChunk()) {
        for (let k = 0; k < this.numericAt.length; k++) {
          const vector = chunk.getColumnVector(k);
          const items = vector.items!;
          const mean = means[k];
          let ss = squares[k];
          for (let i = 0; i < chunk.rowCount; i++) {
            if (!vector.validity.itemValid(i)) continue;
            const x = items[i];
            if (!Number.isFinite(x)) continue;
            ss += (x - mean) ** 2;
          }
          squares[k] = ss;
        }
      }
    }
    this.numericAt.forEach((j, k) => {
      const s = this.sums[k];
      numeric[this.columns[j].name] = { cells: this.rows, count: s.count, sum: String(s.sum), squares: String(squares[k]), flag: s.flag };
    });
    const manifest: Manifest = { dataset: this.dataset, version: this.version, digest, rows: this.rows, columns: this.columns, numeric };
    await this.connection.run(`INSERT INTO ${this.alias}.manifest VALUES (?)`, [JSON.stringify(manifest)]);
    await this.connection.run(`CHECKPOINT ${this.alias}`);
    await this.close();
    return manifest;
  }

  /** Detaches the temporary file (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.run(`DETACH ${this.alias}`).catch(() => undefined);
    this.connection.closeSync();
  }

  /** Drops what was written: the import did not commit. */
  async abort(): Promise<void> {
    try {
      this.platform.closeSync();
      this.texts.closeSync();
    } catch {
      // Already closed, or failed: the file goes either way.
    }
    await this.close();
    await rm(this.tmpFile, { force: true });
    await rm(`${this.tmpFile}.wal`, { force: true });
  }
}
