/** Inner join of several CSV tables on one id column, the way a vertical split is put back together. */
import { basename, extname } from 'node:path';
import { JointlabError } from '../errors';
import { CsvTable } from './csv';
import { didYouMean } from '../text';

export interface SourceTable {
  /** Where the table came from, for messages and for prefixing clashing column names. */
  source: string;
  table: CsvTable;
}

/** Column-major string cells of the joined rows, in the first table's row order. */
export interface JoinedTable {
  ids: string[];
  names: string[];
  cells: Map<string, string[]>;
  /** 1-based line of each joined row in the first table, for error messages. */
  lines: number[];
}

/**
 * A table of cells that come from no file (rows the enclave holds, values it perturbed): the one place
 * such a table is built, numbering its rows from line 2 as a CSV with a header would, so that messages
 * that name a line stay meaningful. `ids` defaults to the row numbers.
 */
export function cellTable(cells: Map<string, string[]>, ids?: string[]): JoinedTable {
  const rows = cells.size ? cells.values().next().value!.length : (ids?.length ?? 0);
  const rowIds = ids ?? Array.from({ length: rows }, (_, i) => String(i));
  return { ids: rowIds, names: [...cells.keys()], cells, lines: rowIds.map((_, i) => i + 2) };
}

export function sourceBaseName(source: string): string {
  return basename(source, extname(source));
}

/** `idOption`: the flag that names the id column where the caller is a CLI verb (`--id`, `--id-column`); the API has none. */
function indexById(t: SourceTable, idColumn: string, idOption?: string): Map<string, number> {
  const k = t.table.header.indexOf(idColumn);
  if (k < 0) {
    const how = idOption ? ` (name it with ${idOption})` : '';
    throw new JointlabError('unknown_column', `${t.source}: there is no id column "${idColumn}"${didYouMean(idColumn, t.table.header)}${how}`);
  }
  const index = new Map<string, number>();
  t.table.rows.forEach((row, r) => {
    const id = row[k].trim();
    if (id === '') throw new JointlabError('missing_id', `${t.source}: line ${t.table.lines[r]} has an empty id`);
    if (index.has(id)) throw new JointlabError('duplicate_id', `${t.source}: line ${t.table.lines[r]} repeats an id seen earlier in the file`);
    index.set(id, r);
  });
  return index;
}

/**
 * Joins on `idColumn`. A column name found in more than one table is prefixed with each table's
 * file base name (`guest.x0`, `host.x0`) so that neither side's feature is lost.
 */
export function innerJoin(tables: SourceTable[], idColumn: string, idOption?: string): JoinedTable {
  if (tables.length === 0) throw new JointlabError('no_data', 'no data file given', 'usage');
  const indexes = tables.map((t) => indexById(t, idColumn, idOption));
  const seen = new Map<string, number>();
  for (const t of tables) for (const h of t.table.header) if (h !== idColumn) seen.set(h, (seen.get(h) ?? 0) + 1);
  const names: string[] = [];
  const renamed = tables.map((t) =>
    t.table.header.map((h) => {
      if (h === idColumn) return null;
      const name = (seen.get(h) ?? 0) > 1 ? `${sourceBaseName(t.source)}.${h}` : h;
      if (names.includes(name)) throw new JointlabError('column_clash', `column "${name}" would appear twice after the join; rename one of the files`);
      names.push(name);
      return name;
    }),
  );
  const ids: string[] = [];
  const lines: number[] = [];
  const rowsPerTable: number[][] = tables.map(() => []);
  for (const [id, r0] of indexes[0]) {
    const found = indexes.map((ix) => ix.get(id));
    if (found.some((r) => r === undefined)) continue;
    ids.push(id);
    lines.push(tables[0].table.lines[r0]);
    found.forEach((r, t) => rowsPerTable[t].push(r as number));
  }
  if (ids.length === 0 && tables.length > 1) {
    throw new JointlabError('empty_join', `no id appears in every file (${tables.map((t) => t.source).join(', ')}), so the join has no rows`);
  }
  if (ids.length === 0) throw new JointlabError('no_rows', `${tables[0].source}: the file has a header but no rows`);
  const cells = new Map<string, string[]>();
  tables.forEach((t, ti) => {
    renamed[ti].forEach((name, k) => {
      if (name === null) return;
      cells.set(name, rowsPerTable[ti].map((r) => t.table.rows[r][k]));
    });
  });
  return { ids, names, cells, lines };
}
