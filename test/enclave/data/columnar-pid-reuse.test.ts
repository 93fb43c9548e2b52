/**
 * The columnar copies: what a crashed import leaves beside the database (found by a review). The
 * sweep at start once removed a temporary copy only when the pid in its name was not alive, so an
 * enclave restarted under the same pid (a container's PID 1) kept the half copy of an import that
 * never committed, with its rows, for good.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDuckDb } from '../../../enclave/columnar/duckdb-api';
import { startEnclave } from '../../../enclave/service';
import { addPrincipal } from '../../../enclave/auth/principals';
import { formatCsv } from '../../../lab/data/csv';
import { tempDir } from '../../helpers/cli';

const hasDuckDb = loadDuckDb().api !== undefined;

(hasDuckDb ? describe : describe.skip)('columnar copies after a crash, the pid come back', function () {
  this.timeout(120_000);

  it('a restart removes the temporary copy of an import that never committed, even when the pid in its name is alive again', async () => {
    const dir = tempDir('jointlab-duck-');
    const file = join(dir, 'enclave.db');
    const first = await startEnclave({ db: file, port: 0, settings: { platformEngine: 'duckdb' } });
    const steward = (await addPrincipal(first.db, { name: 's', role: 'steward', org: 'platform' }, 'test')).token;
    const csv = formatCsv(['id', 'x'], Array.from({ length: 40 }, (_, i) => [`Q${i}`, String(i)]));
    const res = await fetch(`${first.url}/v1/datasets?name=snap&idColumn=id&k=2`, { method: 'POST', headers: { authorization: `Bearer ${steward}`, 'content-type': 'text/csv' }, body: csv });
    assert.equal(res.status, 201);
    await first.close();
    const columnar = `${file}.columnar`;
    // What a process with this pid left when it died mid-import of snapshot 2 (a container restarts under the same pid).
    const leftover = `.snap@2.${process.pid}.tmp.duckdb`;
    writeFileSync(join(columnar, leftover), 'rows of an import that never committed');
    const second = await startEnclave({ db: file, port: 0, settings: { platformEngine: 'duckdb' } });
    try {
      assert.ok(!readdirSync(columnar).includes(leftover), 'the half copy of an uncommitted import is kept beside the database');
    } finally {
      await second.close();
    }
  });
});
