import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvCell, formatCsv, parseCsv, readCsvFile } from '../../lab/data/csv';
import { JointlabError } from '../../lab/errors';
import { tempDir } from '../helpers/cli';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof JointlabError, `expected a JointlabError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected an error');
}

describe('CSV', () => {
  it('reads quotes, escaped quotes, embedded line breaks, CRLF, a BOM and blank lines', () => {
    const t = parseCsv('\ufeffid,note\r\n1,"a, ""b"""\r\n\r\n2,"two\nlines"\n', 'x.csv');
    assert.deepEqual(t.header, ['id', 'note']);
    assert.deepEqual(t.rows, [
      ['1', 'a, "b"'],
      ['2', 'two\nlines'],
    ]);
    assert.deepEqual(t.lines, [2, 4]);
  });

  it('refuses ragged rows, naming the line but not the content', () => {
    let message = '';
    try {
      parseCsv('id,a\n1,2\n2,SECRET,4\n', 'x.csv');
    } catch (e) {
      message = (e as Error).message;
      assert.equal((e as JointlabError).code, 'csv_ragged_row');
    }
    assert.match(message, /line 3/);
    assert.doesNotMatch(message, /SECRET/);
  });

  it('refuses unterminated quotes, stray quotes, duplicate and empty column names, oversized cells', () => {
    assert.equal(codeOf(() => parseCsv('id,a\n1,"open\n', 'x.csv')), 'csv_unterminated_quote');
    assert.equal(codeOf(() => parseCsv('id,a\n1,ab"c\n', 'x.csv')), 'csv_bad_quote');
    assert.equal(codeOf(() => parseCsv('id,a,a\n1,2,3\n', 'x.csv')), 'csv_duplicate_column');
    assert.equal(codeOf(() => parseCsv('id,,b\n1,2,3\n', 'x.csv')), 'csv_empty_column_name');
    assert.equal(codeOf(() => parseCsv('id,a\n1,' + 'x'.repeat(100) + '\n', 'x.csv', { maxFieldLength: 50 })), 'csv_field_too_long');
    assert.equal(codeOf(() => parseCsv('', 'x.csv')), 'csv_empty');
  });

  it('refuses a missing file and a file that is not UTF-8', () => {
    const dir = tempDir();
    assert.equal(codeOf(() => readCsvFile(join(dir, 'nope.csv'))), 'file_not_found');
    const latin1 = join(dir, 'latin1.csv');
    writeFileSync(latin1, Buffer.from([0x69, 0x64, 0x0a, 0xe9, 0x0a]));
    assert.equal(codeOf(() => readCsvFile(latin1)), 'csv_not_utf8');
  });

  it('writes cells that read back unchanged, and defuses formula-like text', () => {
    const text = formatCsv(['id', 'note'], [['1', 'a,"b"\nc'], ['2', -1.5]]);
    assert.deepEqual(parseCsv(text, 'round-trip').rows, [
      ['1', 'a,"b"\nc'],
      ['2', '-1.5'],
    ]);
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('-3'), '-3');
  });
});
