/**
 * An encrypted-label session's design is read once per dataset snapshot and kept: a later session on
 * the same snapshot gets exactly the design a fresh read builds, and a new snapshot, a policy change
 * (k) or a new upload is never answered from what was kept for the old one.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { openStore } from '../../../enclave/store/schema';
import { TrainingDesign, designsPreparing, prepareTrainingDesign, settleTrainingDesigns, trainingDesign } from '../../../enclave/he/design';
import { Db } from '../../../enclave/store/db';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';
import type { JobSpec } from '../../../lab/spec/job-spec';

describe('HE training design kept per dataset snapshot', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  /** A second handle on the same database file: nothing kept for the enclave's handle is kept for it. */
  let fresh: Db;
  let upload = '';
  const spec = { name: 'he-design', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: ['years_established', 'tax_grade'] }, model: { family: 'lr' } } as unknown as JobSpec;

  before(async () => {
    t = await startTestEnclave({ enterprises: 1500, bankCustomers: 800 });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    const ids = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows.map((r) => r[0]);
    upload = (await t.client('bankA').request<{ id: string }>('POST', 'v1/uploads', { csv: `id\n${ids.join('\n')}\n`, query: { name: 'ids' } })).id;
    fresh = await openStore(join(t.dir, 'enclave.db'));
  });
  after(async () => {
    await fresh.close();
    await t.enclave.close();
  });

  function assertSameDesign(kept: TrainingDesign, read: TrainingDesign, what: string): void {
    assert.deepEqual(kept.encoder, read.encoder, `${what}: encoder`);
    assert.deepEqual(kept.names, read.names, `${what}: names`);
    assert.equal(kept.matchedRows, read.matchedRows, `${what}: matched rows`);
    kept.aligned.forEach((c, j) => assert.deepEqual(Array.from(c), Array.from(read.aligned[j]), `${what}: aligned column ${j}`));
    assert.ok(kept.print.ids.equals(read.print.ids) && kept.print.uploaded.equals(read.print.uploaded), `${what}: fingerprints`);
  }

  it("waits, at the opening, for its job's design being prepared, and at close for every preparation, two of one job included", async () => {
    prepareTrainingDesign(fresh, spec, 'bank-a');
    prepareTrainingDesign(fresh, spec, 'bank-a');
    assert.equal(designsPreparing(fresh), 2, 'the second preparation of a job does not hide the first from the close');
    const opened = await trainingDesign(fresh, spec, 'bank-a');
    await settleTrainingDesigns(fresh);
    assert.equal(designsPreparing(fresh), 0);
    assertSameDesign(opened, await trainingDesign(t.enclave.db, spec, 'bank-a'), 'after a preparation');
  });

  it('gives a later session on the same snapshot the design a fresh read builds', async () => {
    const first = await trainingDesign(t.enclave.db, spec, 'bank-a');
    const again = await trainingDesign(t.enclave.db, spec, 'bank-a');
    assertSameDesign(again, await trainingDesign(fresh, spec, 'bank-a'), 'same snapshot');
    assertSameDesign(first, again, 'kept');
  });

  it('reads a new snapshot, a new k and a new upload again', async () => {
    const before = await trainingDesign(t.enclave.db, spec, 'bank-a');
    // Snapshot 2: the years of the first half of the table moved to the second half, so rows change but not only by an offset.
    const table = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform');
    const at = table.header.indexOf('years_established');
    const years = table.rows.map((r) => r[at]);
    const half = Math.floor(years.length / 2);
    const moved = [...years.slice(half), ...years.slice(0, half)];
    const r = await t.call('steward', 'POST', `/v1/datasets?${new URLSearchParams({ name: 'platform', idColumn: 'id' })}`, {
      body: formatCsv(table.header, table.rows.map((row, i) => row.map((cell, j) => (j === at ? moved[i] : cell)))),
      type: 'text/csv',
    });
    assert.equal(r.status, 201, r.text);
    const snapshot2 = await trainingDesign(t.enclave.db, spec, 'bank-a');
    assertSameDesign(snapshot2, await trainingDesign(fresh, spec, 'bank-a'), 'new snapshot');
    assert.notDeepEqual(Array.from(snapshot2.aligned[0]), Array.from(before.aligned[0]), 'the new snapshot is not the old one');

    // k decides which categories are levels of their own: a steward's new k is a new encoder.
    const k = await t.call('steward', 'PUT', '/v1/datasets/platform/policy', { body: JSON.stringify({ k: 400 }), type: 'application/json' });
    assert.equal(k.status, 200, k.text);
    const newK = await trainingDesign(t.enclave.db, spec, 'bank-a');
    assertSameDesign(newK, await trainingDesign(fresh, spec, 'bank-a'), 'new k');
    assert.notDeepEqual(newK.names, snapshot2.names, 'fewer levels at k = 400');

    // The same name, uploaded again with half the ids: a new upload, new rows and fingerprints.
    const ids = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows.map((row) => row[0]);
    await t.client('bankA').request('DELETE', `v1/uploads/${upload}`);
    await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${ids.slice(0, 400).join('\n')}\n`, query: { name: 'ids' } });
    const newUpload = await trainingDesign(t.enclave.db, spec, 'bank-a');
    assertSameDesign(newUpload, await trainingDesign(fresh, spec, 'bank-a'), 'new upload');
    assert.equal(newUpload.uploadRows, 400);
  });
});
