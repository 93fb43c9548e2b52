/** The streaming CSV reader gives what the whole-file parser gives, wherever the chunks are cut. */
import { strict as assert } from 'node:assert';
import { parseCsv } from '../../lab/data/csv';
import { readCsvStream } from '../../lab/data/csv-stream';
import { JointlabError } from '../../lab/errors';

async function readAll(bytes: Buffer, size: number, limits = {}): Promise<{ header: string[]; rows: string[][]; lines: number[] }> {
  const chunks = async function* () {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  };
  const out = { header: [] as string[], rows: [] as string[][], lines: [] as number[] };
  for await (const piece of readCsvStream(chunks(), 'file', limits)) {
    out.header = piece.header;
    out.rows.push(...piece.rows);
    out.lines.push(...piece.lines);
  }
  return out;
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (e) {
    assert.ok(e instanceof JointlabError);
    return e.code;
  }
  return 'none';
}

describe('streaming CSV reader', () => {
  // Quotes with line breaks and doubled quotes, CRLF and bare CR, blank lines, a BOM and multi-byte text: over 1 MB, so it is cut into pieces.
  const rows = Array.from({ length: 40_000 }, (_, i) => [`id${i}`, i % 5 === 0 ? `"two\r\nlines ""q"" ${i}"` : `v${i}`, i % 3 === 0 ? '企业ü' : String(i)]);
  const text = '\ufeffid,a,b\r\n' + rows.map((r, i) => r.join(',') + (i % 1000 === 0 ? '\r\n\r\n' : i % 777 === 0 ? '\r' : '\r\n')).join('');

  it('reads rows and line numbers exactly as parseCsv, for any chunk size', async () => {
    const expected = parseCsv(text, 'file');
    // 3 bytes cuts inside every multi-byte character and between every CR and LF somewhere.
    for (const size of [3, 4099, 65_536, 1 << 22]) {
      const got = await readAll(Buffer.from(text), size);
      assert.deepEqual(got.header, expected.header);
      assert.equal(got.rows.length, expected.rows.length);
      assert.deepEqual(got.rows, expected.rows);
      assert.deepEqual(got.lines, expected.lines);
    }
  });

  it('refuses what parseCsv refuses, with the same codes', async () => {
    const cases: [string, string][] = [
      ['id,a\n1,2\n3\n', 'csv_ragged_row'],
      ['id,a\n1,"open\n', 'csv_unterminated_quote'],
      ['id,a\n1,x"y\n', 'csv_bad_quote'],
      ['', 'csv_empty'],
      ['id,id\n1,2\n', 'csv_duplicate_column'],
    ];
    for (const [body, code] of cases) assert.equal(await codeOf(readAll(Buffer.from(body), 2)), code, body);
    assert.equal(await codeOf(readAll(Buffer.from([0x69, 0x64, 0x0a, 0xff, 0x0a]), 2)), 'csv_not_utf8');
    assert.equal(await codeOf(readAll(Buffer.from('id\n1\n2\n3\n'), 2, { maxRows: 2 })), 'csv_too_many_rows');
    assert.equal(await codeOf(readAll(Buffer.from('id\n1\n2\n3\n'), 2, { maxBytes: 5 })), 'body_too_large');
    // An unterminated quote in a large file is reported, not held until the end of the stream.
    const open = Buffer.from('id,a\n1,"' + 'x'.repeat(3 << 20));
    assert.equal(await codeOf(readAll(open, 65_536, { maxFieldLength: 4096, maxColumns: 10 })), 'csv_field_too_long');
  });
});
