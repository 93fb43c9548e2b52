/** `jointlab dataset import` of an existing name and `jointlab dataset snapshots`, as child processes against a running enclave. */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '../../lab/errors';
import { formatCsv, parseCsv } from '../../lab/data/csv';
import { runCliAsync } from '../helpers/cli';
import { useSeededEnclave } from '../helpers/enclave';
import type { SnapshotList } from '../../lab/api/datasets';

describe('jointlab dataset snapshots', function () {
  this.timeout(120_000);
  const t = useSeededEnclave();
  const steward = () => ({ env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.steward } });

  it('adds a snapshot on a new import of the name and lists both, in text and JSON', async () => {
    const imported = await runCliAsync(['dataset', 'import', t.files.platform, '--name', 'platform', '--id-column', 'id'], steward());
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported 3000 rows as snapshot 2 of dataset "platform".*jobs now use this snapshot/);
    const text = await runCliAsync(['dataset', 'snapshots', 'platform'], steward());
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^version\s+imported\s+rows/);
    assert.match(text.stdout, /\n1\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+3000\s*\n/);
    assert.match(text.stdout, /\n2\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+3000\s+latest/);
    const json = await runCliAsync(['dataset', 'snapshots', 'platform', '--json'], steward());
    const list = JSON.parse(json.stdout) as SnapshotList;
    assert.deepEqual(list.snapshots.map((s) => [s.version, s.rows, s.latest]), [[1, 3000, false], [2, 3000, true]]);
  });

  it('exits with the validation code and names the missing column when a snapshot lacks one', async () => {
    const table = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform');
    const file = join(t.dir, 'short.csv');
    writeFileSync(file, formatCsv(table.header.slice(0, -1), table.rows.map((r) => r.slice(0, -1))));
    const r = await runCliAsync(['dataset', 'import', file, '--name', 'platform', '--id-column', 'id', '--json'], steward());
    assert.equal(r.code, EXIT_CODES.validation);
    assert.equal(JSON.parse(r.stdout).error.code, 'snapshot_columns');
    assert.match(r.stderr, /missing "agri_flag"/);
  });
});
