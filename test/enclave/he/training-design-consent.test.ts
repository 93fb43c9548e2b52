/**
 * The kept HE training design (enclave/he/design.ts), as a review checked it: a training consent
 * revoked between two sessions on one snapshot is honoured by the second (the kept snapshot cells
 * and fingerprints never stand in for the consent check), and the second design is the one a fresh
 * read builds.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { openStore } from '../../../enclave/store/schema';
import { trainingDesign } from '../../../enclave/he/design';
import { Db } from '../../../enclave/store/db';
import { TestEnclave, csvOf, day, startTestEnclave } from '../../helpers/enclave';
import type { JobSpec } from '../../../lab/spec/job-spec';

describe('kept HE training design and training consent (enclave/he/design.ts)', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let fresh: Db;
  let ids: string[];
  const spec = { name: 'he-design', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: ['years_established', 'tax_grade'] }, model: { family: 'lr' } } as unknown as JobSpec;

  before(async () => {
    t = await startTestEnclave({ enterprises: 1500, bankCustomers: 800 });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    ids = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows.map((r) => r[0]);
    await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${ids.join('\n')}\n`, query: { name: 'ids' } });
    fresh = await openStore(join(t.dir, 'enclave.db'));
  });
  after(async () => {
    await fresh.close();
    await t.enclave.close();
  });

  it('a consent revoked after a first session drops that enterprise from the next session on the same snapshot', async () => {
    const r = await t.call('steward', 'PUT', '/v1/datasets/platform/policy', { body: JSON.stringify({ requireTrainingConsent: true }), type: 'application/json' });
    assert.equal(r.status, 200, r.text);
    await t.client('steward').request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], ids.slice(0, 600).map((id) => [id, 'bank-a', 'training', day(-10), day(300)])) });
    const first = await trainingDesign(t.enclave.db, spec, 'bank-a');
    assert.ok(first.matchedRows > 300, `${first.matchedRows} matched`);
    // Revoke every consent of a matched enterprise (an upload row with a non-zero intercept column).
    const ones = first.aligned[first.aligned.length - 1];
    const revoked = first.uploadIds.filter((_, i) => ones[i] === 1).slice(0, 25);
    for (const id of revoked) await t.client('steward').request('POST', 'v1/consents/revoke', { json: { enterprise: id, bank: 'bank-a', purpose: 'training' } });
    const second = await trainingDesign(t.enclave.db, spec, 'bank-a');
    assert.equal(second.matchedRows, first.matchedRows - revoked.length);
    const secondOnes = second.aligned[second.aligned.length - 1];
    for (const id of revoked) assert.equal(secondOnes[second.uploadIds.indexOf(id)], 0, 'a revoked enterprise is still a row of the design');
    const read = await trainingDesign(fresh, spec, 'bank-a');
    assert.ok(second.print.ids.equals(read.print.ids) && second.print.uploaded.equals(read.print.uploaded));
    second.aligned.forEach((c, j) => assert.deepEqual(Array.from(c), Array.from(read.aligned[j])));
  });
});
