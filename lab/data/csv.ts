/**
 * RFC 4180 CSV reading and writing. Errors name the line and column, never the cell's content, because
 * the cell may be a value from the data.
 */
import { readFileSync } from 'node:fs';
import { JointlabError } from '../errors';

export interface CsvTable {
  header: string[];
  /** Row-major cells; every row has header.length cells. */
  rows: string[][];
  /** 1-based line number in the file where each row starts, for error messages. */
  lines: number[];
}

export interface CsvLimits {
  /** Longest cell accepted, in characters; the enclave sets this low against hostile files. */
  maxFieldLength?: number;
  maxRows?: number;
  maxColumns?: number;
}

export function parseCsv(text: string, source: string, limits: CsvLimits = {}): CsvTable {
  const maxRows = limits.maxRows ?? Infinity;
  const { records, lines } = scanCsvRecords(text, source, limits, 1, true, maxRows + 1);
  if (records.length === 0) fail(source, 'csv_empty', 'the file has no header row');
  const header = csvHeader(records[0], source);
  for (let r = 1; r < records.length; r++) {
    if (records[r].length !== header.length) {
      fail(source, 'csv_ragged_row', `line ${lines[r]}: ${records[r].length} cells where the header has ${header.length}`);
    }
  }
  return { header, rows: records.slice(1), lines: lines.slice(1) };
}

function fail(source: string, code: string, what: string): never {
  throw new JointlabError(code, `${source}: ${what}`);
}

/** The header's names, trimmed: none empty, none twice. */
export function csvHeader(record: string[], source: string): string[] {
  const header = record.map((h) => h.trim());
  const seen = new Set<string>();
  header.forEach((h, k) => {
    if (h === '') fail(source, 'csv_empty_column_name', `column ${k + 1} has no name`);
    if (seen.has(h)) fail(source, 'csv_duplicate_column', `column "${h}" appears twice in the header`);
    seen.add(h);
  });
  return header;
}

/**
 * The records of `text`, which starts at the beginning of a record on line `firstLine` (the file's
 * start when `fileStart`, where a byte-order mark is skipped); blank lines are skipped. More than
 * `maxRecords` records is `csv_too_many_rows`. The streaming import (lab/data/csv-stream.ts) calls
 * it on pieces cut at record boundaries.
 */
export function scanCsvRecords(text: string, source: string, limits: CsvLimits, firstLine: number, fileStart: boolean, maxRecords = Infinity): { records: string[][]; lines: number[]; nextLine: number } {
  const maxField = limits.maxFieldLength ?? 1 << 20;
  const maxColumns = limits.maxColumns ?? 10_000;
  const records: string[][] = [];
  const lines: number[] = [];
  let record: string[] = [];
  let field = '';
  let line = firstLine;
  let recordLine = firstLine;
  let i = fileStart && text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  const n = text.length;
  const endField = (): void => {
    if (field.length > maxField) fail(source, 'csv_field_too_long', `line ${line}: a cell is longer than ${maxField} characters`);
    record.push(field);
    if (record.length > maxColumns) fail(source, 'csv_too_many_columns', `line ${line}: more than ${maxColumns} columns`);
    field = '';
  };
  const endRecord = (): void => {
    endField();
    // Blank lines carry nothing; skipping them is what spreadsheet exports need.
    if (!(record.length === 1 && record[0] === '')) {
      records.push(record);
      lines.push(recordLine);
      if (records.length > maxRecords) fail(source, 'csv_too_many_rows', `more than ${maxRecords - 1} rows`);
    }
    record = [];
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */ && field === '') {
      // Quoted field: runs to the closing quote; "" inside stands for one quote.
      let j = i + 1;
      let chunkStart = j;
      let value = '';
      for (;;) {
        if (j >= n) fail(source, 'csv_unterminated_quote', `line ${line}: a quoted cell is never closed`);
        const d = text.charCodeAt(j);
        if (d === 0x22) {
          if (text.charCodeAt(j + 1) === 0x22) {
            value += text.slice(chunkStart, j + 1);
            j += 2;
            chunkStart = j;
            continue;
          }
          value += text.slice(chunkStart, j);
          j++;
          break;
        }
        if (d === 0x0a) line++;
        if (j - i > maxField + 2) fail(source, 'csv_field_too_long', `line ${line}: a cell is longer than ${maxField} characters`);
        j++;
      }
      field = value;
      i = j;
      const next = text.charCodeAt(i);
      if (i < n && next !== 0x2c && next !== 0x0a && next !== 0x0d) fail(source, 'csv_bad_quote', `line ${line}: text after a closing quote`);
      continue;
    }
    if (c === 0x2c /* , */) {
      endField();
      i++;
      continue;
    }
    if (c === 0x0a || c === 0x0d) {
      endRecord();
      i += c === 0x0d && text.charCodeAt(i + 1) === 0x0a ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    // Plain run of characters up to the next delimiter.
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 0x2c || d === 0x0a || d === 0x0d) break;
      if (d === 0x22) fail(source, 'csv_bad_quote', `line ${line}: a quote inside an unquoted cell`);
      j++;
    }
    field += text.slice(i, j);
    i = j;
  }
  if (field !== '' || record.length > 0) endRecord();
  return { records, lines, nextLine: line };
}

/** Reads a CSV file, turning a missing or unreadable file and invalid UTF-8 into clear errors. */
export function readCsvFile(path: string, limits: CsvLimits = {}): CsvTable {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new JointlabError('file_not_found', `${path}: no such file`, 'usage');
    if (code === 'EISDIR') throw new JointlabError('file_not_found', `${path}: is a directory, not a CSV file`, 'usage');
    throw new JointlabError('file_unreadable', `${path}: cannot be read (${code ?? 'unknown error'})`, 'usage');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new JointlabError('csv_not_utf8', `${path}: the file is not valid UTF-8`);
  }
  return parseCsv(text, path, limits);
}

/** Quotes a cell when it holds a delimiter, a quote or a line break; prefixes formula-like cells so spreadsheets do not run them. */
export function csvCell(value: string | number): string {
  let s = typeof value === 'number' ? (Number.isNaN(value) ? '' : String(value)) : value;
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?(\d|\.\d)/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatCsv(header: string[], rows: (string | number)[][]): string {
  const out = [header.map(csvCell).join(',')];
  for (const row of rows) out.push(row.map(csvCell).join(','));
  return out.join('\n') + '\n';
}
