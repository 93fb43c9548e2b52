/** Typing of joined string cells: numeric or categorical feature columns, 0/1 labels and train/test split marks. */
import { Column, Frame } from '../../models/frame';
import { JointlabError } from '../errors';
import { JoinedTable } from './join';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Cells that mean "no value" in any column, compared trimmed and in lower case. */
export const MISSING_TOKENS = ['', 'na', 'nan', 'null', 'n/a', '-'] as const;
/**
 * Words that mean "no value" only where a number is expected. In a category column they are a
 * category of their own: `collateral = none` (a loan without collateral) is 45% of our bank rows,
 * and reading it as a gap would merge it with truly unknown values.
 */
export const NUMERIC_MISSING_WORDS = ['none'] as const;
const MISSING = new Set<string>(MISSING_TOKENS);
const MISSING_NUMBER = new Set<string>([...MISSING_TOKENS, ...NUMERIC_MISSING_WORDS]);

export type CellKind = 'numeric' | 'categorical';

/** Whether a cell is a gap in a column of the given kind (categorical unless told, the stricter reading). */
export function isMissingCell(cell: string, kind: CellKind = 'categorical'): boolean {
  return (kind === 'numeric' ? MISSING_NUMBER : MISSING).has(cell.trim().toLowerCase());
}

/**
 * A cell's reading where a number is expected: 0 a gap, 1 a number, 2 anything else. The streaming
 * import types columns with it row by row, by the rule typedColumn applies to a whole column.
 */
export function numericCellClass(cell: string): 0 | 1 | 2 {
  if (NUMBER.test(cell)) return 1; // the common case, with no space to trim
  if (MISSING_NUMBER.has(cell.trim().toLowerCase())) return 0;
  return NUMBER.test(cell.trim()) ? 1 : 2;
}

/** Share of non-missing cells that must parse as numbers for a column to count as numeric. */
export const NUMERIC_MAJORITY = 0.9;

function cellsOf(joined: JoinedTable, name: string): string[] {
  const cells = joined.cells.get(name);
  if (!cells) throw new JointlabError('unknown_column', `there is no column "${name}"; columns are: ${joined.names.join(', ')}`);
  return cells;
}

/**
 * A column is numeric when (nearly) all its present cells are numbers; then any other cell is an
 * error naming the line, since it is most likely a typo or a shifted row. Columns listed in
 * `categorical` are always read as categories.
 */
export function typedColumn(joined: JoinedTable, name: string, categorical: ReadonlySet<string>): Column {
  const cells = cellsOf(joined, name);
  if (categorical.has(name)) {
    return { name, kind: 'categorical', values: cells.map((c) => (isMissingCell(c) ? null : c.trim())) };
  }
  // Each cell read once (numericCellClass: a clean number takes one regular-expression test, no trimming).
  const classes = new Uint8Array(cells.length);
  let present = 0;
  let numeric = 0;
  for (let i = 0; i < cells.length; i++) {
    const k = numericCellClass(cells[i]);
    classes[i] = k;
    if (k === 0) continue;
    present++;
    if (k === 1) numeric++;
  }
  if (present === 0 || numeric < NUMERIC_MAJORITY * present) {
    return { name, kind: 'categorical', values: cells.map((c) => (isMissingCell(c) ? null : c.trim())) };
  }
  const values = new Float64Array(cells.length);
  cells.forEach((c, i) => {
    if (classes[i] === 0) values[i] = NaN;
    else if (classes[i] === 1) values[i] = Number(c);
    else {
      throw new JointlabError(
        'non_numeric_value',
        `column "${name}" is numeric but line ${joined.lines[i]} holds a value that is not a number (use --categorical ${name} to read it as categories)`,
      );
    }
  });
  return { name, kind: 'numeric', values };
}

export function frameOf(joined: JoinedTable, features: readonly string[], categorical: ReadonlySet<string>): Frame {
  return { rows: joined.ids.length, columns: features.map((f) => typedColumn(joined, f, categorical)) };
}

export function labelsOf(joined: JoinedTable, name: string): Uint8Array {
  const cells = cellsOf(joined, name);
  const labels = new Uint8Array(cells.length);
  cells.forEach((c, i) => {
    const t = c.trim();
    if (t === '1' || t === '1.0') labels[i] = 1;
    else if (t !== '0' && t !== '0.0') {
      throw new JointlabError('bad_label', `label column "${name}" must hold 0 or 1 on every row; line ${joined.lines[i]} does not`);
    }
  });
  return labels;
}

/** Row indices marked `train` and `test` in a split column; any other mark is an error. */
export function splitOf(joined: JoinedTable, name: string): { train: Int32Array; test: Int32Array } {
  const cells = cellsOf(joined, name);
  const train: number[] = [];
  const test: number[] = [];
  cells.forEach((c, i) => {
    const t = c.trim().toLowerCase();
    if (t === 'train') train.push(i);
    else if (t === 'test') test.push(i);
    else throw new JointlabError('bad_split_value', `split column "${name}" must hold "train" or "test"; line ${joined.lines[i]} holds something else`);
  });
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}
