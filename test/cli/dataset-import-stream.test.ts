/** `jointlab dataset import` streams its file to the enclave: a file of many megabytes is stored whole or, with a bad row deep inside, not at all. */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '../../lab/errors';
import { getDatasetMeta } from '../../enclave/data/datasets';
import { runCliAsync } from '../helpers/cli';
import { useSeededEnclave } from '../helpers/enclave';

/** `rows` rows of an id and three numeric columns (about 40 bytes a row), with `edit` applied. */
function write(path: string, rows: number, edit: (i: number, cells: string[]) => string[] = (_, c) => c): void {
  const lines = ['id,a,b,c'];
  for (let i = 0; i < rows; i++) lines.push(edit(i, [`S${i}`, String(i % 977), (i / 3).toFixed(4), String(i % 2)]).join(','));
  writeFileSync(path, lines.join('\n') + '\n');
}

describe('jointlab dataset import, streamed', function () {
  this.timeout(300_000);
  const t = useSeededEnclave();
  const steward = () => ({ env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.steward } });

  it('imports a file of several megabytes', async () => {
    const file = join(t.dir, 'wide.csv');
    write(file, 150_000);
    const r = await runCliAsync(['dataset', 'import', file, '--name', 'streamed', '--id-column', 'id', '--json'], steward());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).rows, 150_000);
  });

  it('exits with the validation code on a bad row deep in the file, naming its line, and stores nothing', async () => {
    const file = join(t.dir, 'bad.csv');
    write(file, 150_000, (i, c) => (i === 140_000 ? ['S17', ...c.slice(1)] : c));
    const r = await runCliAsync(['dataset', 'import', file, '--name', 'broken', '--id-column', 'id', '--json'], steward());
    assert.equal(r.code, EXIT_CODES.validation, r.stderr);
    assert.equal(JSON.parse(r.stdout).error.code, 'duplicate_id');
    assert.match(r.stderr, /line 140002 repeats an id/);
    assert.equal(await getDatasetMeta(t.enclave.db, 'broken'), undefined);
  });

  it('names a missing file without sending anything', async () => {
    const r = await runCliAsync(['dataset', 'import', join(t.dir, 'nope.csv'), '--name', 'x', '--id-column', 'id'], steward());
    assert.equal(r.code, EXIT_CODES.usage);
    assert.match(r.stderr, /nope\.csv: no such file/);
  });
});
