/**
 * Dataset snapshots over real HTTP: a new import of a name adds a version that every job then uses,
 * the policy and k stay, a file of another shape is refused with a code naming the difference, and
 * a database written before snapshots existed opens with its datasets as version 1.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { datasetVersion, getDatasetMeta } from '../../../enclave/data/datasets';
import { listSnapshots, snapshotRows } from '../../../enclave/data/snapshots';
import { SCHEMA_VERSION, openStore, versionBefore } from '../../../enclave/store/schema';
import { tempDir } from '../../helpers/cli';
import { useSeededEnclave } from '../../helpers/enclave';
import type { DatasetDetail, DatasetMeta, SnapshotList } from '../../../lab/api/datasets';

/** The platform CSV with `edit` applied to each row (header in, header out). */
function edited(path: string, edit: (header: string[], row: string[], i: number) => string[], header?: (h: string[]) => string[]): Buffer {
  const table = parseCsv(readFileSync(path, 'utf8'), 'platform');
  return Buffer.from(formatCsv(header ? header(table.header) : table.header, table.rows.map((r, i) => edit(table.header, r, i))));
}

describe('dataset snapshots', function () {
  this.timeout(120_000);
  const t = useSeededEnclave();
  const post = (csv: Buffer, query: Record<string, string> = {}) =>
    t.call('steward', 'POST', `/v1/datasets?${new URLSearchParams({ name: 'platform', idColumn: 'id', ...query })}`, { body: csv, type: 'text/csv' });

  it('starts at version 1, and a new import of the name adds version 2 that aggregates and noise keys follow', async () => {
    const first = (await t.call('bankA', 'GET', '/v1/datasets/platform/snapshots')).json() as SnapshotList;
    assert.deepEqual(first.snapshots.map((s) => [s.version, s.latest]), [[1, true]]);
    const before = (await t.call('bankA', 'GET', '/v1/datasets/platform')).json() as DatasetDetail;
    const versionBefore = await datasetVersion(t.enclave.db, (await getDatasetMeta(t.enclave.db, 'platform'))!);
    // Snapshot 2: every enterprise ten years older.
    const older = edited(t.files.platform, (h, r) => r.map((cell, j) => (h[j] === 'years_established' && cell !== '' ? String(Number(cell) + 10) : cell)));
    const r = await post(older);
    assert.equal(r.status, 201, r.text);
    const meta = r.json() as DatasetMeta;
    assert.equal(meta.snapshot, 2);
    // The policy set at the first import stays with the dataset.
    assert.equal(meta.columns.find((c) => c.name === 'dishonest_debtor')?.policy, 'sensitive');
    assert.equal(meta.columns.find((c) => c.name === 'shareholder_changes_3y')?.policy, 'forbidden');
    const list = (await t.call('bankA', 'GET', '/v1/datasets/platform/snapshots')).json() as SnapshotList;
    assert.deepEqual(list.snapshots.map((s) => [s.version, s.latest]), [[1, false], [2, true]]);
    assert.ok(list.snapshots.every((s) => s.rows === 3000 && !Number.isNaN(Date.parse(s.importedAt))));
    assert.ok(list.snapshots[1].importedAt >= list.snapshots[0].importedAt);
    const after = (await t.call('bankA', 'GET', '/v1/datasets/platform')).json() as DatasetDetail;
    assert.equal(after.snapshots.length, 2);
    const mean = (d: DatasetDetail) => (d.aggregates.find((a) => a.name === 'years_established') as { mean: number }).mean;
    assert.ok(Math.abs(mean(after) - mean(before) - 10) <= 1, `${mean(before)} -> ${mean(after)}`);
    // Released noise is keyed to the latest snapshot's content: a new snapshot is a new request.
    const metaNow = (await getDatasetMeta(t.enclave.db, 'platform'))!;
    assert.notEqual(await datasetVersion(t.enclave.db, metaNow), versionBefore);
    assert.equal(await datasetVersion(t.enclave.db, metaNow, 1), versionBefore, 'snapshot 1 keeps its digest in the archive');
    const audit = await t.enclave.db.all<{ action: string }>("SELECT action FROM audit WHERE object = 'dataset:platform'");
    assert.deepEqual(audit.map((a) => a.action), ['dataset.import', 'dataset.snapshot']);
  });

  it('stores a file with the columns in another order in the dataset\'s order: the same data has the same digest', async () => {
    const table = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform');
    const order = [0, ...table.header.slice(1).map((_, j) => table.header.length - 1 - j)];
    const shuffled = Buffer.from(formatCsv(order.map((j) => table.header[j]), table.rows.map((row) => order.map((j) => row[j]))));
    const r = await post(shuffled);
    assert.equal(r.status, 201, r.text);
    const meta = (await getDatasetMeta(t.enclave.db, 'platform'))!;
    assert.equal(meta.snapshot, 3);
    assert.equal(await datasetVersion(t.enclave.db, meta, 3), await datasetVersion(t.enclave.db, meta, 1));
    assert.equal((await snapshotRows(t.enclave.db, meta, 1)).length, 3000);
  });

  it('refuses a file of another shape, or other policies, with a code naming the difference, and keeps what it has', async () => {
    const cases: [Buffer, Record<string, string>, number, string, RegExp][] = [
      [edited(t.files.platform, (_h, r) => r, (h) => ['enterprise', ...h.slice(1)]), { idColumn: 'enterprise' }, 422, 'snapshot_id_column', /keyed by "id"/],
      [edited(t.files.platform, (_h, r) => r.slice(0, -1), (h) => h.slice(0, -1)), {}, 422, 'snapshot_columns', /missing "agri_flag"/],
      [edited(t.files.platform, (_h, r) => [...r, '1'], (h) => [...h, 'new_flag']), {}, 422, 'snapshot_columns', /new "new_flag"/],
      [edited(t.files.platform, (h, r) => r.map((cell, j) => (h[j] === 'years_established' ? `y${cell}` : cell))), {}, 422, 'snapshot_column_types', /"years_established" is numeric in the dataset and categorical/],
      [readFileSync(t.files.platform), { sensitive: 'tax_grade' }, 409, 'snapshot_policy', /keeps the dataset's column policies/],
      [readFileSync(t.files.platform), { k: '25' }, 409, 'snapshot_policy', /k = 10/],
    ];
    for (const [csv, query, status, code, message] of cases) {
      const r = await post(csv, query);
      assert.equal(r.status, status, `${code}: ${r.text}`);
      assert.equal(r.json().code, code);
      assert.match(r.json().detail, message);
    }
    // Repeating the dataset's own k and policy is no change, and no bank may add a snapshot.
    assert.equal((await post(readFileSync(t.files.platform), { k: '10', sensitive: 'dishonest_debtor' })).status, 201);
    const bank = await t.call('bankA', 'POST', '/v1/datasets?name=platform&idColumn=id', { body: readFileSync(t.files.platform), type: 'text/csv' });
    assert.equal(bank.status, 403);
    const meta = (await getDatasetMeta(t.enclave.db, 'platform'))!;
    assert.equal(meta.snapshot, 4);
    assert.deepEqual((await listSnapshots(t.enclave.db, meta)).map((s) => s.version), [1, 2, 3, 4]);
    const rows = await t.enclave.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM dataset_rows WHERE dataset = 'platform'");
    assert.equal(rows?.n, 3000, 'dataset_rows holds exactly the latest snapshot');
  });

  it('gives 404 for the snapshots of a dataset that does not exist', async () => {
    const r = await t.call('bankA', 'GET', '/v1/datasets/nope/snapshots');
    assert.equal(r.status, 404);
  });
});

describe('a database from before snapshots', () => {
  it('opens with each dataset as its snapshot 1, rows in place, ready for the next import', async () => {
    const file = join(tempDir(), 'old.db');
    // The schema just before snapshots (later migrations, such as the network's, are appended after it).
    const old = await openStore(file, versionBefore('CREATE TABLE dataset_snapshots'));
    await old.run("INSERT INTO datasets (name, id_column, columns, row_count, k, created_by, created_at, updated_at) VALUES ('old', 'id', ?, 2, 10, 'steward', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z')", [
      JSON.stringify([{ name: 'id', type: 'categorical', policy: 'id' }, { name: 'x', type: 'numeric', policy: 'feature' }]),
    ]);
    await old.run("INSERT INTO dataset_rows (dataset, row, entity_id, cells) VALUES ('old', 0, 'a', '[\"1\"]'), ('old', 1, 'b', '[\"2\"]')");
    await old.close();
    const db = await openStore(file);
    const meta = (await getDatasetMeta(db, 'old'))!;
    assert.equal(meta.snapshot, 1);
    assert.deepEqual(await listSnapshots(db, meta), [{ version: 1, importedAt: '2026-01-02T00:00:00.000Z', rows: null, latest: true }]);
    assert.deepEqual((await snapshotRows(db, meta, 1)).map((r) => r.entity_id), ['a', 'b']);
    const version = await db.get<{ user_version: number }>('PRAGMA user_version');
    assert.equal(version?.user_version, SCHEMA_VERSION);
    await db.close();
  });
});
