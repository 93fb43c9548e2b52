/**
 * Turning an uploaded CSV body into stored rows, shared by platform datasets and bank uploads:
 * strict UTF-8, bounded sizes, one id per row, a type per column. Errors name lines and columns only.
 */
import { parseCsv } from '../../lab/data/csv';
import { typedColumn } from '../../lab/data/columns';
import { JoinedTable, innerJoin } from '../../lab/data/join';
import { JointlabError } from '../../lab/errors';
import { Queries } from '../store/db';

export const CSV_LIMITS = { maxFieldLength: 4096, maxRows: 2_000_000, maxColumns: 500 };
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export interface ParsedUpload {
  joined: JoinedTable;
  types: Map<string, 'numeric' | 'categorical'>;
}

export function decodeCsvBody(body: unknown): string {
  if (!Buffer.isBuffer(body)) throw new JointlabError('wrong_content_type', 'send the table as text/csv', 'media');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new JointlabError('csv_not_utf8', 'the table is not valid UTF-8');
  }
}

export function parseUpload(body: unknown, idColumn: string): ParsedUpload {
  const table = parseCsv(decodeCsvBody(body), 'table', CSV_LIMITS);
  for (const name of table.header) {
    if (!COLUMN_NAME.test(name)) {
      throw new JointlabError('bad_column_name', 'column names must start with a letter or underscore and hold only letters, digits, _ . - (at most 128)');
    }
  }
  const joined = innerJoin([{ source: 'table', table }], idColumn);
  const types = new Map<string, 'numeric' | 'categorical'>();
  for (const name of joined.names) types.set(name, typedColumn(joined, name, new Set()).kind);
  return { joined, types };
}

/** Inserts rows in batches: one statement per 200 rows keeps imports of 100,000 rows to seconds. */
export async function insertRows(q: Queries, table: 'dataset_rows' | 'upload_rows', owner: string, parsed: ParsedUpload): Promise<void> {
  const key = table === 'dataset_rows' ? 'dataset' : 'upload';
  const { joined } = parsed;
  const columns = joined.names.map((n) => joined.cells.get(n) as string[]);
  const batch = 200;
  for (let start = 0; start < joined.ids.length; start += batch) {
    const end = Math.min(start + batch, joined.ids.length);
    const params: (string | number)[] = [];
    for (let i = start; i < end; i++) params.push(owner, i, joined.ids[i], JSON.stringify(columns.map((c) => c[i])));
    await q.run(`INSERT INTO ${table} (${key}, row, entity_id, cells) VALUES ${new Array(end - start).fill('(?, ?, ?, ?)').join(', ')}`, params);
  }
}
