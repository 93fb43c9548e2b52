/**
 * Reading a CSV from a stream of bytes piece by piece, so a file of millions of rows is never held
 * whole: strict UTF-8, parseCsv's rules, limits and error codes, lines numbered as in the file.
 */
import { JointlabError } from '../errors';
import { CsvLimits, csvHeader, scanCsvRecords } from './csv';

export interface CsvStreamLimits extends CsvLimits {
  /** Bytes the stream may hold; past it, `body_too_large` (413). */
  maxBytes?: number;
}

/** A piece of the file: the header (the same array every time) and the complete records read since the last piece. */
export interface CsvPiece {
  header: string[];
  rows: string[][];
  /** 1-based line where each row starts. */
  lines: number[];
}

/** Text gathered before it is parsed: pieces of about this size keep a batch near 10,000 typical rows. */
const PIECE_CHARS = 1 << 20;

/**
 * The index just past the last record boundary (a line break outside quotes) in `text`, or -1. A
 * break at the very end of `text` that is a CR is not one: its LF may come in the next chunk.
 */
function lastBoundary(text: string): number {
  const n = text.length;
  if (text.indexOf('"') < 0) {
    const lf = text.lastIndexOf('\n');
    if (lf >= 0) return lf + 1;
    const cr = text.lastIndexOf('\r', n - 2);
    return cr >= 0 ? cr + 1 : -1;
  }
  let quoted = false;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) quoted = !quoted;
    else if (!quoted && (c === 0x0a || (c === 0x0d && i < n - 1))) last = i + 1;
  }
  return last;
}

/**
 * Yields the file's header first (with no rows), then its rows in pieces. `source` names the table
 * in messages, which name lines and columns only, never a cell.
 */
export async function* readCsvStream(chunks: AsyncIterable<Uint8Array | string>, source: string, limits: CsvStreamLimits = {}): AsyncGenerator<CsvPiece> {
  const maxRows = limits.maxRows ?? Infinity;
  const maxBytes = limits.maxBytes ?? Infinity;
  // The longest record the limits allow (every cell at its longest, its quotes doubled): text past
  // this without a boundary cannot be a valid record, and parsing it reports what is wrong.
  const longestRecord = (limits.maxColumns ?? 10_000) * (2 * (limits.maxFieldLength ?? 1 << 20) + 3) + 2;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let bytes = 0;
  let line = 1;
  let header: string[] | undefined;
  let rows = 0;

  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new JointlabError('csv_not_utf8', 'the table is not valid UTF-8');
    }
  };
  // Parses `text` (whole records), checks the header and row shapes, and counts rows against the cap.
  const parse = (text: string, fileStart: boolean): CsvPiece[] => {
    const scanned = scanCsvRecords(text, source, limits, line, fileStart);
    line = scanned.nextLine;
    const out: CsvPiece[] = [];
    let records = scanned.records;
    let lines = scanned.lines;
    if (!header && records.length) {
      header = csvHeader(records[0], source);
      out.push({ header, rows: [], lines: [] });
      records = records.slice(1);
      lines = lines.slice(1);
    }
    if (!records.length) return out;
    records.forEach((record, r) => {
      if (record.length !== header!.length) throw new JointlabError('csv_ragged_row', `${source}: line ${lines[r]}: ${record.length} cells where the header has ${header!.length}`);
    });
    rows += records.length;
    if (rows > maxRows) throw new JointlabError('csv_too_many_rows', `${source}: more than ${maxRows} rows`);
    out.push({ header: header!, rows: records, lines });
    return out;
  };

  let fileStart = true;
  for await (const chunk of chunks) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > maxBytes) throw new JointlabError('body_too_large', `the table is larger than the limit of ${maxBytes} bytes`, 'too_large');
    pending += decode(buffer);
    if (pending.length < PIECE_CHARS) continue;
    const cut = lastBoundary(pending);
    if (cut < 0) {
      if (pending.length > longestRecord) {
        parse(pending, fileStart); // throws: no valid record is this long
        throw new JointlabError('csv_field_too_long', `${source}: line ${line}: a record is longer than the limits allow`);
      }
      continue;
    }
    const text = pending.slice(0, cut);
    pending = pending.slice(cut);
    yield* parse(text, fileStart);
    fileStart = false;
  }
  pending += decode();
  yield* parse(pending, fileStart);
  if (!header) throw new JointlabError('csv_empty', `${source}: the file has no header row`);
}
