/**
 * The platform's columns on both engines: the same joint LR and scorecard results whether jobs read
 * SQLite rows or the snapshot's DuckDB copy, the same cells and summaries for awkward cells, and a
 * copy that follows its snapshot through imports, failed imports, a crash and a restart.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCsv } from '../../../lab/data/csv';
import { isMissingCell } from '../../../lab/data/columns';
import { withPlatformColumns } from '../../../enclave/data/platform-columns';
import { loadDuckDb } from '../../../enclave/columnar/duckdb-api';
import { choosePlatformEngine } from '../../../enclave/columnar/engine';
import { startEnclave } from '../../../enclave/service';
import { addPrincipal } from '../../../enclave/auth/principals';
import { EnclaveClient } from '../../../lab/client/enclave-client';
import { TestEnclave, jointSpec, seedData, startTestEnclave, waitForJob } from '../../helpers/enclave';

const hasDuckDb = loadDuckDb().api !== undefined;

/** The job's released result without what differs between two enclaves by construction (ids, times). */
async function resultOf(t: TestEnclave, spec: object): Promise<unknown> {
  const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
  await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
  assert.equal(await waitForJob(t, id), 'released');
  const result = await t.client('bankA').request<Record<string, unknown>>('GET', `v1/jobs/${id}/results`);
  return JSON.parse(JSON.stringify(result, (key, value) => (['job', 'id', 'createdAt', 'finishedAt', 'releasedAt', 'seconds', 'backend'].includes(key) ? undefined : value)));
}

const copies = (t: TestEnclave): string[] => readdirSync(`${join(t.dir, 'enclave.db')}.columnar`).sort();

describe('platform engine choice', () => {
  it('takes the setting, then JOINTLAB_PLATFORM_ENGINE, falls back to SQLite rows where DuckDB does not load, and refuses a forced engine that cannot run', () => {
    assert.throws(() => choosePlatformEngine('duckdb', ':memory:'), /needs a database file/);
    assert.throws(() => choosePlatformEngine(undefined, 'x.db', { JOINTLAB_PLATFORM_ENGINE: 'parquet' }), /must be one of/);
    assert.equal(choosePlatformEngine(undefined, 'x.db', { JOINTLAB_PLATFORM_ENGINE: 'sqlite' }).engine, 'sqlite');
    assert.equal(choosePlatformEngine('sqlite', 'x.db', { JOINTLAB_PLATFORM_ENGINE: 'duckdb' }).engine, 'sqlite');
    // Where @duckdb/node-api does not load: SQLite rows, said so; asked for by name, no start.
    const missing = () => ({ problem: "Cannot find module '@duckdb/node-api'" });
    const fallback = choosePlatformEngine(undefined, 'x.db', {}, missing);
    assert.equal(fallback.engine, 'sqlite');
    assert.match(fallback.line, /does not load/);
    assert.throws(() => choosePlatformEngine(undefined, 'x.db', { JOINTLAB_PLATFORM_ENGINE: 'duckdb' }, missing), (e: Error & { code?: string }) => e.code === 'bad_platform_engine');
  });
});

(hasDuckDb ? describe : describe.skip)('platform columns on DuckDB and SQLite', function () {
  this.timeout(300_000);
  let sqlite: TestEnclave;
  let duck: TestEnclave;
  const lines: string[] = [];
  before(async () => {
    sqlite = await startTestEnclave({ platformEngine: 'sqlite' });
    duck = await startTestEnclave({ platformEngine: 'duckdb', log: (line) => lines.push(line) });
    await seedData(sqlite);
    await seedData(duck);
  });
  after(async () => {
    await sqlite?.enclave.close();
    await duck?.enclave.close();
  });

  it('names its engine in one line at start', () => {
    assert.equal(lines.filter((l) => l.startsWith('platform columns:')).length, 1);
    assert.match(lines[0], /^platform columns: DuckDB /);
  });

  it('releases the same joint LR and scorecard on both engines, figure for figure', async () => {
    for (const family of ['lr', 'scorecard']) {
      const spec = jointSpec(family);
      const [a, b] = [await resultOf(sqlite, spec), await resultOf(duck, spec)];
      assert.deepEqual(b, a, `${family}: the DuckDB engine's release differs`);
      // The comparison covers the model and its metrics, not an empty release.
      const released = (a as { released: Record<string, unknown> }).released;
      assert.ok(released.parameters && released.metrics, Object.keys(released).join());
    }
    assert.deepEqual(copies(duck).filter((n) => n.startsWith('platform@')).length, 1);
    assert.equal(lines.filter((l) => /no columnar copy|not kept|not used/.test(l)).length, 0, lines.join('\n'));
  });

  it('gives back the same cells and summaries for awkward cells (padded, non-canonical, none, NA, huge, negative zero)', async () => {
    const cells = [' 7 ', '1.50', 'none', 'NA', '', '1e400', '-0', '1.0', '0', '1', '2.5e-3', '0012'];
    const rows = Array.from({ length: 240 }, (_, i) => [`E${String(i).padStart(4, '0')}`, cells[i % cells.length], i % 3 ? '1' : '0', i % 5 ? ' b ' : 'NA', i % 7 ? 'x' : '', ['0', '1', 'NA'][i % 3]]);
    const csv = Buffer.from(formatCsv(['id', 'odd', 'flag', 'cat', 'sparse', 'label01'], rows));
    for (const t of [sqlite, duck]) await t.client('steward').request('POST', 'v1/datasets', { csv, query: { name: 'odd', idColumn: 'id', k: 2 } });
    const ids = rows.filter((_, i) => i % 4 !== 3).map((r) => r[0]).concat(['NOT-THERE']);
    const columns = ['odd', 'flag', 'cat', 'sparse', 'label01'];
    const read = async (t: TestEnclave) =>
      withPlatformColumns(t.enclave.db, 'odd', columns, ids, async (p) => ({
        engine: p.engine,
        types: p.types,
        cells: ids.filter((id) => p.byId.has(id)).map((id) => p.byId.get(id)),
        // A numeric column is summarized as numbers, or as categories where the job's rows had none.
        numeric: await p.summaries(columns.filter((_, j) => p.types[j] === 'numeric').map((name) => ({ name, kind: 'numeric' as const }))),
        categorical: await p.summaries(columns.map((name) => ({ name, kind: 'categorical' as const }))),
      }));
    const [a, b] = [await read(sqlite), await read(duck)];
    assert.equal(a.engine, 'sqlite');
    assert.equal(b.engine, 'duckdb');
    assert.deepEqual(b.types, a.types);
    // The copy keeps cells trimmed and gaps empty, which every reading rule reads as SQLite's cells.
    assert.deepEqual(b.cells, a.cells.map((r) => r!.map((c) => (isMissingCell(c) ? '' : c.trim()))));
    assert.ok(b.cells.some((r) => r!.includes('1.50')) && b.cells.some((r) => r!.includes('none')) && b.cells.some((r) => r!.includes('-0')));
    assert.deepEqual(b.numeric, a.numeric);
    assert.deepEqual(b.categorical, a.categorical);
  });

  it('keeps the copy with its snapshot: a new snapshot replaces it, a refused import leaves nothing, a restart removes leftovers and rebuilds a missing copy', async () => {
    const platformCopies = () => copies(duck).filter((n) => n.includes('platform@') || n.startsWith('.platform@'));
    assert.match(platformCopies().join(), /^platform@1-[0-9a-f]{16}\.duckdb$/);
    const csv = Buffer.from(formatCsv(['id', 'x', 'grade'], Array.from({ length: 50 }, (_, i) => [`Q${i}`, String(i), i % 2 ? 'A' : 'B'])));
    const post = (body: Buffer) => duck.call('steward', 'POST', '/v1/datasets?name=snap&idColumn=id&k=2', { body, type: 'text/csv' });
    assert.equal((await post(csv)).status, 201);
    const second = Buffer.from(formatCsv(['id', 'x', 'grade'], Array.from({ length: 60 }, (_, i) => [`Q${i}`, String(i * 2), i % 2 ? 'A' : 'C'])));
    assert.equal((await post(second)).status, 201);
    const snapCopies = () => copies(duck).filter((n) => n.includes('snap@'));
    assert.equal(snapCopies().length, 1);
    assert.match(snapCopies()[0], /^snap@2-/);
    const x = await withPlatformColumns(duck.enclave.db, 'snap', ['x'], ['Q30', 'Q59'], async (p) => [p.engine, p.byId.get('Q30'), p.byId.get('Q59')]);
    assert.deepEqual(x, ['duckdb', ['60'], ['118']]);
    // A file with a bad row anywhere stores nothing, in SQLite or beside it.
    const bad = Buffer.from(formatCsv(['id', 'x', 'grade'], [['Q1', '1', 'A'], ['Q1', '2', 'B']]));
    assert.equal((await post(bad)).status, 422);
    assert.deepEqual(snapCopies(), [snapCopies()[0]]);
    assert.equal(copies(duck).filter((n) => n.includes('.tmp.')).length, 0);

    // A restart after a crash: a temporary copy of a dead process, a copy of a snapshot SQLite never
    // committed, a dataset gone from SQLite, and a latest snapshot whose copy was lost.
    const dir = `${join(duck.dir, 'enclave.db')}.columnar`;
    const kept = snapCopies()[0];
    await duck.enclave.close();
    writeFileSync(join(dir, '.snap@3.999999.tmp.duckdb'), 'half a table');
    writeFileSync(join(dir, 'snap@3-0123456789abcdef.duckdb'), 'never committed');
    writeFileSync(join(dir, 'gone@1-0123456789abcdef.duckdb'), 'no such dataset');
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, kept));
    const restarted = await startEnclave({ db: join(duck.dir, 'enclave.db'), port: 0, settings: { platformEngine: 'duckdb' }, log: (line) => lines.push(line) });
    duck = { ...duck, enclave: restarted, client: (who) => new EnclaveClient(restarted.url, duck.tokens[who]) };
    for (let i = 0; i < 600 && !existsSync(join(dir, kept)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(join(dir, kept)), 'the lost copy is rebuilt from SQLite rows');
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes('snap') || n.includes('gone')),
      [kept],
    );
    const again = await withPlatformColumns(restarted.db, 'snap', ['x', 'grade'], ['Q30'], async (p) => [p.engine, p.byId.get('Q30')]);
    assert.deepEqual(again, ['duckdb', ['60', 'C']]);
    assert.ok(await addPrincipal(restarted.db, { name: 'x', role: 'bank', org: 'bank-x' }, 'test'));
  });
});
