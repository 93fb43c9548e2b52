/**
 * Turning an uploaded CSV body into stored rows, shared by platform datasets and bank uploads:
 * strict UTF-8, bounded sizes, one id per row, a type per column. Errors name lines and columns only.
 *
 * A body is read twice: a first pass checks every row and types every column while the bytes go
 * to a private spool file, and only a body that passed is read again from the spool and inserted.
 * So a file of millions of rows is never held in memory, a bad row anywhere stores nothing, and the
 * database is written only from local disk, never at the pace of a client's upload.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsvStream } from '../../lab/data/csv-stream';
import { NUMERIC_MAJORITY, isMissingCell, numericCellClass } from '../../lab/data/columns';
import { JointlabError } from '../../lab/errors';
import { didYouMean } from '../../lab/text';
import { Queries } from '../store/db';

/** Limits of any CSV body; `maxRows` here bounds the bodies still read whole (consents). */
export const CSV_LIMITS = { maxFieldLength: 4096, maxRows: 2_000_000, maxColumns: 500 };
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const SOURCE = 'table';

/** How large an imported table may be (enclave settings `importMaxRows`, `importMaxBytes`). */
export interface ImportLimits {
  maxRows: number;
  maxBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxRows: 10_000_000, maxBytes: 8 * 2 ** 30 };

export type ColumnKind = 'numeric' | 'categorical';

/** What the first pass learned: the columns besides the id column, in file order, with their types. */
export interface UploadShape {
  idColumn: string;
  names: string[];
  types: Map<string, ColumnKind>;
  rows: number;
}

/** Checks a caller adds to the first pass (the network standard): each may throw a JointlabError. */
export interface UploadCheck {
  /** The column names besides the id column, before any row. */
  header?(names: string[]): void;
  /** A data row: its trimmed id and its cells besides the id, `dataRow` counting from 1. */
  row?(id: string, cells: string[], dataRow: number): void;
  /** After the last row, with the columns' types. */
  end?(shape: UploadShape): void;
}

/** Spool folders are named after the process that made them, so a later start can tell which were left by one that died. */
const SPOOL_PREFIX = 'jointlab-import-';

/**
 * Removes spool folders (platform rows!) left in the temporary folder by an enclave process that was
 * killed mid-import; those of processes still running, another enclave's, are left alone.
 */
export async function removeStaleSpools(): Promise<void> {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    const pid = new RegExp(`^${SPOOL_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid && !alive(Number(pid))) await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A CSV body: bytes in memory, or a stream (an HTTP request, a file) that can be read only once. */
export type CsvSource = Buffer | AsyncIterable<Uint8Array>;

/** Rows ready to store: ids and cells, the cells in the order asked for. */
export interface RowBatch {
  ids: string[];
  cells: string[][];
}

export interface ScannedUpload extends UploadShape {
  /** The ids in file order, when asked for (`keepIds`). */
  ids?: string[];
  /** The rows again, in file order and batches, their cells in `order` (names of `names`). */
  batches(order: readonly string[]): AsyncGenerator<RowBatch>;
  /** Removes the spool file; call once done, whatever happened. */
  dispose(): Promise<void>;
}

export function decodeCsvBody(body: unknown): string {
  if (!Buffer.isBuffer(body)) throw new JointlabError('wrong_content_type', 'send the table as text/csv', 'media');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new JointlabError('csv_not_utf8', 'the table is not valid UTF-8');
  }
}

/** The bytes of a source in chunks; a stream is copied to `spool` on the way (the second pass reads that copy). */
async function* chunksOf(body: CsvSource, spool?: { write(chunk: Uint8Array): Promise<unknown> }): AsyncGenerator<Uint8Array> {
  if (Buffer.isBuffer(body)) {
    yield body;
    return;
  }
  for await (const chunk of body) {
    await spool?.write(chunk);
    yield chunk;
  }
}

/** Per-column counts for typing: present cells, cells that are numbers, the line of the first that is not. */
interface ColumnTally {
  present: number;
  numbers: number;
  firstOther: number;
}

/**
 * The first pass: reads the whole body, checking the header (names, the id column), every row
 * (ids present and unique, the cells' count) and the caller's `check`, and types every column by
 * typedColumn's rule. Throws the first problem met, having stored nothing.
 */
export async function scanUpload(body: CsvSource, idColumn: string, options: { limits?: Partial<ImportLimits>; check?: UploadCheck; keepIds?: boolean } = {}): Promise<ScannedUpload> {
  if (!Buffer.isBuffer(body) && (typeof body !== 'object' || body === null || !(Symbol.asyncIterator in body))) {
    throw new JointlabError('wrong_content_type', 'send the table as text/csv', 'media');
  }
  const limits = { ...DEFAULT_IMPORT_LIMITS, ...options.limits };
  const csvLimits = { maxFieldLength: CSV_LIMITS.maxFieldLength, maxColumns: CSV_LIMITS.maxColumns, maxRows: limits.maxRows, maxBytes: limits.maxBytes };
  let dir: string | undefined;
  let spool: Awaited<ReturnType<typeof open>> | undefined;
  if (!Buffer.isBuffer(body)) {
    // Private to the enclave's user, removed by dispose(): the body's bytes for the second pass.
    dir = await mkdtemp(join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-`));
    spool = await open(join(dir, 'body.csv'), 'wx', 0o600);
  }
  const dispose = async (): Promise<void> => {
    await spool?.close().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    // Ids seen so far, for duplicates: the one thing the first pass holds per row.
    const seen = new Set<string>();
    const ids: string[] | undefined = options.keepIds ? [] : undefined;
    let names: string[] = [];
    let idAt = -1;
    let tallies: ColumnTally[] = [];
    let rows = 0;
    for await (const piece of readCsvStream(chunksOf(body, spool), SOURCE, csvLimits)) {
      if (idAt < 0) {
        for (const name of piece.header) {
          if (!COLUMN_NAME.test(name)) {
            throw new JointlabError('bad_column_name', 'column names must start with a letter or underscore and hold only letters, digits, _ . - (at most 128)');
          }
        }
        idAt = piece.header.indexOf(idColumn);
        if (idAt < 0) throw new JointlabError('unknown_column', `${SOURCE}: there is no id column "${idColumn}"${didYouMean(idColumn, piece.header)}`);
        names = piece.header.filter((_, j) => j !== idAt);
        tallies = names.map(() => ({ present: 0, numbers: 0, firstOther: 0 }));
        options.check?.header?.(names);
      }
      piece.rows.forEach((record, r) => {
        const line = piece.lines[r];
        const id = record[idAt].trim();
        if (id === '') throw new JointlabError('missing_id', `${SOURCE}: line ${line} has an empty id`);
        if (seen.has(id)) throw new JointlabError('duplicate_id', `${SOURCE}: line ${line} repeats an id seen earlier in the file`);
        seen.add(id);
        ids?.push(id);
        const cells = idAt === 0 ? record.slice(1) : record.filter((_, j) => j !== idAt);
        for (let j = 0; j < cells.length; j++) {
          const kind = numericCellClass(cells[j]);
          if (kind === 0) continue;
          const tally = tallies[j];
          tally.present++;
          if (kind === 1) tally.numbers++;
          else if (tally.firstOther === 0) tally.firstOther = line;
        }
        rows++;
        options.check?.row?.(id, cells, rows);
      });
    }
    await spool?.close();
    spool = undefined;
    // The closures below would keep it alive through the second pass: 5,000,000 ids are some 400 MB.
    seen.clear();
    if (rows === 0) throw new JointlabError('no_rows', `${SOURCE}: the file has a header but no rows`);
    const types = new Map<string, ColumnKind>();
    names.forEach((name, j) => {
      const { present, numbers, firstOther } = tallies[j];
      const numeric = present > 0 && numbers >= NUMERIC_MAJORITY * present;
      if (numeric && firstOther > 0) {
        throw new JointlabError('non_numeric_value', `column "${name}" is numeric but line ${firstOther} holds a value that is not a number (use --categorical ${name} to read it as categories)`);
      }
      types.set(name, numeric ? 'numeric' : 'categorical');
    });
    const shape: UploadShape = { idColumn, names, types, rows };
    options.check?.end?.(shape);
    const again = (): CsvSource => (Buffer.isBuffer(body) ? body : createReadStream(join(dir!, 'body.csv'), { highWaterMark: 1 << 20 }));
    return {
      ...shape,
      ...(ids ? { ids } : {}),
      async *batches(order) {
        const positions = order.map((name) => {
          const at = names.indexOf(name);
          if (at < 0) throw new Error(`no column ${name} in the scanned table`);
          return at < idAt ? at : at + 1;
        });
        for await (const piece of readCsvStream(chunksOf(again()), SOURCE, csvLimits)) {
          if (piece.rows.length) yield { ids: piece.rows.map((r) => r[idAt].trim()), cells: piece.rows.map((r) => positions.map((p) => r[p])) };
        }
      },
      dispose,
    };
  } catch (e) {
    await dispose();
    // The cap is the enclave's setting: say where it is set.
    if (e instanceof JointlabError && e.code === 'csv_too_many_rows') throw new JointlabError(e.code, `${e.message} (the enclave's limit: \`jointlab enclave start --import-max-rows\`)`, e.category);
    throw e;
  }
}

/** Rows per INSERT statement: 4 parameters each, far under SQLite's limit of 32,766. */
const ROWS_PER_STATEMENT = 500;
/** SQLite's page cache during an import, in KiB (256 MB). */
const IMPORT_CACHE_KIB = 262_144;

/** Count, sum and sum of squares of a numeric column's values, by the rule the score noise's scale uses. */
export type ColumnMoments = [n: number, sum: number, sumOfSquares: number];

/**
 * Inserts the scanned rows, cells in `order`, numbered from 0 in file order, in the caller's
 * transaction. Returns the SHA-256 of `prefix` and the rows as datasetVersion hashes them, and the
 * numeric columns' moments, so both are computed once, at import, rather than by reading every row back.
 */
export async function insertRows(
  q: Queries,
  table: 'dataset_rows' | 'upload_rows',
  owner: string,
  scanned: ScannedUpload,
  order: readonly string[],
  prefix = '',
  /** Also sees every batch as it is inserted (a dataset's columnar copy, enclave/columnar/). */
  sink?: (batch: RowBatch) => void,
): Promise<{ digest: string; moments: Record<string, ColumnMoments> }> {
  const key = table === 'dataset_rows' ? 'dataset' : 'upload';
  const hash = createHash('sha256').update(prefix);
  const statement = (rows: number): string => `INSERT INTO ${table} (${key}, row, entity_id, cells) VALUES ${new Array(rows).fill('(?, ?, ?, ?)').join(', ')}`;
  // The full statement is prepared once and reused; only the last, shorter one is built apart.
  const full = statement(ROWS_PER_STATEMENT);
  const numeric = order.flatMap((name, j) => (scanned.types.get(name) === 'numeric' ? [j] : []));
  const sums = numeric.map((): ColumnMoments => [0, 0, 0]);
  await withImportCache(q, async () => {
    let params: (string | number)[] = [];
    let row = 0;
    for await (const batch of scanned.batches(order)) {
      sink?.(batch);
      for (let i = 0; i < batch.ids.length; i++) {
        const cells = batch.cells[i];
        numeric.forEach((j, k) => {
          // The rule of enclave/scoring/perturbed-rows.ts columnSds: present cells that are finite numbers.
          if (isMissingCell(cells[j])) return;
          const x = Number(cells[j]);
          if (!Number.isFinite(x)) return;
          sums[k][0]++;
          sums[k][1] += x;
          sums[k][2] += x * x;
        });
        const text = JSON.stringify(cells);
        hash.update(`\u0000${batch.ids[i]}\u0000${text}`);
        params.push(owner, row++, batch.ids[i], text);
        if (params.length === 4 * ROWS_PER_STATEMENT) {
          await q.run(full, params);
          params = [];
        }
      }
    }
    if (params.length) await q.run(statement(params.length / 4), params);
  });
  return { digest: hash.digest('hex'), moments: Object.fromEntries(numeric.map((j, k) => [order[j], sums[k]])) };
}

/**
 * Runs `work` with a page cache large enough for the table's and the id index's working set while
 * millions of rows go in (at the default 2 MB every insert into the id index fetches pages): about
 * 30% less CPU at 400,000 rows. The cache is set back to what it was afterwards.
 */
async function withImportCache(q: Queries, work: () => Promise<void>): Promise<void> {
  const cache = (await q.get<{ cache_size: number }>('PRAGMA cache_size'))!.cache_size;
  await q.run(`PRAGMA cache_size = -${IMPORT_CACHE_KIB}`);
  try {
    await work();
  } finally {
    await q.run(`PRAGMA cache_size = ${cache}`);
  }
}
