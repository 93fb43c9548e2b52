/**
 * A scorecard labels a flag's bins "0" and "1" only when the column is 0/1 across its whole source:
 * read on the joined rows, the label would tell the bank that none of its customers on the platform
 * has another value, a fact one enterprise can change. Two datasets that differ in one enterprise
 * outside the bank's customers give the joined rows the same values and the labels their source says.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { flagColumns } from '../../../enclave/release/population';
import { TestEnclave, csvOf, startTestEnclave, waitForJob } from '../../helpers/enclave';

describe('flag labels read from the whole source', function () {
  this.timeout(300_000);
  let t: TestEnclave;

  before(async () => {
    t = await startTestEnclave();
    const platform = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform');
    const customers = new Set(parseCsv(readFileSync(t.files.bank, 'utf8'), 'bank').rows.map((r) => r[0]));
    const at = platform.header.indexOf('high_tech');
    // One enterprise that is not the bank's customer gets high_tech = 2 in the second dataset.
    const outsider = platform.rows.findIndex((r) => !customers.has(r[0]));
    const changed = platform.rows.map((r, i) => (i === outsider ? r.map((cell, j) => (j === at ? '2' : cell)) : r));
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'flags', idColumn: 'id' } });
    await t.client('steward').request('POST', 'v1/datasets', { csv: formatCsv(platform.header, changed), query: { name: 'counts', idColumn: 'id' } });
    await t.client('bankA').request('POST', 'v1/uploads', { csv: csvOf(t.files.bank), query: { name: 'customers' } });
  });
  after(() => t?.enclave.close());

  async function highTechLabels(dataset: string): Promise<string[]> {
    const spec = { name: `card-${dataset}`, purpose: 'flags', bank: { upload: 'customers', columns: ['loan_amount_10k'] }, platform: { dataset, columns: ['high_tech', 'tax_arrears', 'court_cases_3y'] }, label: 'default_12m', model: { family: 'scorecard' } };
    const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    assert.equal(await waitForJob(t, id), 'released');
    const results = await t.client('bankA').request<{ released: { parameters: { description: { features: { name: string; bins: { label: string }[] }[] } } } }>('GET', `v1/jobs/${id}/results`);
    return results.released.parameters.description.features.find((f) => f.name === 'high_tech')!.bins.map((b) => b.label).filter((label) => label !== 'missing');
  }

  it('labels 0 and 1 where the whole platform table holds only 0 and 1, ranges where one enterprise outside the join holds a 2', async () => {
    assert.deepEqual(await highTechLabels('flags'), ['0', '1']);
    assert.deepEqual(await highTechLabels('counts'), ['(-inf, 0]', '(0, inf)']);
  });

  it('reads a flag from every cell of the source, missing ones aside', () => {
    const column = (cells: string[]) => ({ name: 'x', kind: 'numeric' as const, cells });
    assert.deepEqual(flagColumns([column(['0', '1', '', 'NA', '1']), column(['0', '1', '2']), { name: 'c', kind: 'categorical', cells: ['0', '1'] }]), ['x']);
  });
});
