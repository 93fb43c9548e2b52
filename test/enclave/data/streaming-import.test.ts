/**
 * Dataset imports streamed over real HTTP: a file of many pieces sent in odd-sized chunks is stored
 * row for row as the whole-file parser reads it; a bad row deep in the file stores nothing and leaves
 * the previous snapshot as it was; the row and byte caps are the enclave's settings.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { RunningEnclave, startEnclave } from '../../../enclave/service';
import { addPrincipal } from '../../../enclave/auth/principals';
import { datasetVersion, getDatasetMeta, snapshotMoments } from '../../../enclave/data/datasets';
import { isMissingCell } from '../../../lab/data/columns';
import { snapshotRows } from '../../../enclave/data/snapshots';
import { parseCsv } from '../../../lab/data/csv';
import { tempDir } from '../../helpers/cli';

/** A table of `rows` rows: ids, two numeric columns, and a text column with quotes, commas, line breaks and non-ASCII text now and then. */
function table(rows: number, edit?: (i: number, cells: string[]) => string[]): string {
  const lines = ['id,amount,ratio,note'];
  for (let i = 0; i < rows; i++) {
    const note = i % 97 === 0 ? '"a ""quoted"", multi\nline note"' : i % 13 === 0 ? 'Zhōngguó 中国 企业' : i % 7 === 0 ? '' : `n${i % 50}`;
    const cells = [`E${String(i).padStart(8, '0')}`, String((i * 37) % 1000), i % 11 === 0 ? '' : (i / 7).toFixed(3), note];
    lines.push((edit ? edit(i, cells) : cells).join(','));
  }
  // CRLF line ends: a piece may be cut between CR and LF only if the reader gets that wrong.
  return lines.join('\r\n') + '\r\n';
}

/** The body as a stream of `size`-byte chunks: cuts fall inside records, quoted cells and UTF-8 characters. */
function chunked(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = Buffer.from(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(at, at + size)));
      at += size;
    },
  });
}

const spools = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith('jointlab-import-'));

describe('streaming dataset import', function () {
  this.timeout(300_000);
  let enclave: RunningEnclave;
  let token: string;
  const spoolsBefore = new Set<string>();
  // A spool left by a process that died mid-import, and one of a process still running (this one).
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  const stale = join(tmpdir(), `jointlab-import-${dead}-test`);
  const live = join(tmpdir(), `jointlab-import-${process.pid}-test`);
  before(async () => {
    for (const dir of [stale, live]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'body.csv'), 'id\n1\n');
    }
    spools().forEach((f) => spoolsBefore.add(f));
    enclave = await startEnclave({ db: join(tempDir('jointlab-stream-'), 'e.db'), port: 0, settings: { import: { maxRows: 100_000, maxBytes: 16 * 2 ** 20 } } });
    token = (await addPrincipal(enclave.db, { name: 'steward', role: 'steward', org: 'platform' }, 'test')).token;
  });
  after(async () => {
    await enclave.close();
    rmSync(live, { recursive: true, force: true });
  });

  it('removes, on start, the spool of a process that died mid-import and keeps a running one\'s', () => {
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(live), true);
  });

  const post = async (name: string, body: string | ReadableStream<Uint8Array>) => {
    const res = await fetch(`${enclave.url}/v1/datasets?name=${name}&idColumn=id`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body,
      ...(typeof body === 'string' ? {} : { duplex: 'half' }),
    } as RequestInit);
    return { status: res.status, body: (await res.json()) as { code?: string; detail?: string; rows?: number; snapshot?: number } };
  };

  it('stores a file of many pieces, sent in odd-sized chunks, row for row as the whole-file parser reads it', async () => {
    const text = table(90_000);
    assert.ok(text.length > 2 * 2 ** 20, 'the file crosses several of the reader\'s 1 MB pieces');
    const res = await post('big', chunked(text, 7_001));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.rows, 90_000);
    const meta = (await getDatasetMeta(enclave.db, 'big'))!;
    assert.deepEqual(
      meta.columns.map((c) => [c.name, c.type]),
      [
        ['id', 'categorical'],
        ['amount', 'numeric'],
        ['ratio', 'numeric'],
        ['note', 'categorical'],
      ],
    );
    const expected = parseCsv(text, 'table');
    const stored = await snapshotRows(enclave.db, meta, 1);
    assert.equal(stored.length, expected.rows.length);
    stored.forEach((r, i) => {
      assert.equal(r.entity_id, expected.rows[i][0]);
      assert.equal(r.cells, JSON.stringify(expected.rows[i].slice(1)));
    });
    // The digest stored at import is the one the rows hash to.
    const hash = createHash('sha256').update(JSON.stringify(meta.columns.map((c) => [c.name, c.type])));
    for (const r of stored) hash.update(`\u0000${r.entity_id}\u0000${r.cells}`);
    assert.equal(await datasetVersion(enclave.db, meta), `big@sha256:${hash.digest('hex')}`);
    // So are the numeric columns' moments (the score noise's scale), by the rule of the scoring path.
    const moments = (await snapshotMoments(enclave.db, meta))!;
    assert.deepEqual(Object.keys(moments), ['amount', 'ratio']);
    ['amount', 'ratio'].forEach((name, j) => {
      const xs = stored.map((r) => (JSON.parse(r.cells) as string[])[j]).filter((c) => !isMissingCell(c)).map(Number);
      assert.equal(moments[name][0], xs.length);
      assert.ok(Math.abs(moments[name][1] - xs.reduce((a, b) => a + b, 0)) < 1e-6);
      assert.ok(Math.abs(moments[name][2] - xs.reduce((a, b) => a + b * b, 0)) < 1e-3);
    });
  });

  it('refuses a bad row deep in the file with its line, storing nothing and keeping the previous snapshot', async () => {
    const good = await post('deep', chunked(table(50_000), 65_536));
    assert.equal(good.status, 201);
    const before = await snapshotRows(enclave.db, (await getDatasetMeta(enclave.db, 'deep'))!, 1);
    const cases: [string, ReadableStream<Uint8Array>, RegExp][] = [
      ['csv_ragged_row', chunked(table(50_000, (i, c) => (i === 45_000 ? c.slice(0, 3) : c)), 10_007), /line \d+: 3 cells where the header has 4/],
      ['duplicate_id', chunked(table(50_000, (i, c) => (i === 49_990 ? ['E00000003', ...c.slice(1)] : c)), 10_007), /line \d+ repeats an id/],
      ['non_numeric_value', chunked(table(50_000, (i, c) => (i === 48_000 ? [c[0], 'lots', ...c.slice(2)] : c)), 10_007), /column "amount" is numeric but line \d+/],
      ['csv_not_utf8', invalidUtf8(table(50_000)), /UTF-8/],
    ];
    for (const [code, body, detail] of cases) {
      const res = await post('deep', body);
      assert.equal(res.status, 422, code);
      assert.equal(res.body.code, code);
      assert.match(res.body.detail!, detail);
      const meta = (await getDatasetMeta(enclave.db, 'deep'))!;
      assert.equal(meta.snapshot, 1, `${code} added no snapshot`);
      assert.deepEqual(await snapshotRows(enclave.db, meta, 1), before);
    }
    // A first import that fails leaves no dataset behind.
    const fresh = await post('never', chunked(table(30_000, (i, c) => (i === 29_000 ? ['', ...c.slice(1)] : c)), 4_096));
    assert.equal(fresh.body.code, 'missing_id');
    assert.equal(await getDatasetMeta(enclave.db, 'never'), undefined);
    assert.equal((await enclave.db.get<{ n: number }>("SELECT count(*) AS n FROM dataset_rows WHERE dataset = 'never'"))!.n, 0);
  });

  it('answers a refusal early in a large body while the client is still sending, and keeps serving', async () => {
    const res = await post('early', chunked(table(90_000, (i, c) => (i === 2 ? c.slice(0, 2) : c)), 16_384));
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'csv_ragged_row');
    assert.equal((await post('after', table(100))).status, 201);
  });

  it('drops an import whose client goes away mid-body, keeping nothing of it, and keeps serving', async () => {
    const text = Buffer.from(table(60_000));
    await new Promise<void>((resolve) => {
      const req = request(`${enclave.url}/v1/datasets?name=gone&idColumn=id`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': String(text.length) } });
      req.on('error', () => resolve());
      req.write(text.subarray(0, text.length >> 1), () => setTimeout(() => req.destroy(), 200));
    });
    // The import notices the closed connection and removes its spool file.
    for (let i = 0; i < 50 && spools().some((f) => !spoolsBefore.has(f)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(spools().filter((f) => !spoolsBefore.has(f)), []);
    assert.equal(await getDatasetMeta(enclave.db, 'gone'), undefined);
    assert.equal((await post('after-gone', table(100))).status, 201);
  });

  it('holds imports to the enclave\'s row and byte caps', async () => {
    assert.equal((await post('cap-ok', chunked(table(100_000), 1 << 16))).status, 201);
    const over = await post('cap-over', chunked(table(100_001), 1 << 16));
    assert.equal(over.status, 422);
    assert.equal(over.body.code, 'csv_too_many_rows');
    assert.match(over.body.detail!, /more than 100000 rows/);
    const huge = 'id,x\r\n' + Array.from({ length: 5000 }, (_, i) => `E${i},${'9'.repeat(4000)}\r\n`).join('');
    const tooLarge = await post('bytes', chunked(huge, 1 << 16));
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.code, 'body_too_large');
    for (const name of ['cap-over', 'bytes']) assert.equal(await getDatasetMeta(enclave.db, name), undefined);
    // Every spool file is gone, whatever the outcome.
    assert.deepEqual(spools().filter((f) => !spoolsBefore.has(f)), []);
  });
});

/** The table's bytes with one invalid UTF-8 byte deep inside. */
function invalidUtf8(text: string): ReadableStream<Uint8Array> {
  const bytes = Buffer.from(text);
  bytes[Math.floor(bytes.length * 0.8)] = 0xff;
  const at = { i: 0 };
  return new ReadableStream({
    pull(controller) {
      if (at.i >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(at.i, at.i + 9_999)));
      at.i += 9_999;
    },
  });
}
