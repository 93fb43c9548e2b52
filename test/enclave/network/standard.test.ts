import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { RunningEnclave, startEnclave } from '../../../enclave/service';
import { addPrincipal } from '../../../enclave/auth/principals';
import { SME_NETWORK_STANDARD } from '../../../lab/network/sme-standard';
import { writeSynth } from '../../../lab/synth/write';
import { parseCsv, formatCsv } from '../../../lab/data/csv';
import { tempDir } from '../../helpers/cli';

describe('a member enclave validates dataset imports against the network standard', () => {
  let enclave: RunningEnclave;
  let token: string;
  let dir: string;
  before(async () => {
    dir = tempDir('jointlab-standard-');
    enclave = await startEnclave({ db: join(dir, 'e.db'), port: 0, settings: { network: { province: '44', standard: SME_NETWORK_STANDARD } } });
    token = (await addPrincipal(enclave.db, { name: 'steward', role: 'steward', org: 'platform' }, 'test')).token;
  });
  after(() => enclave.close());

  const post = async (name: string, csv: string) => {
    const res = await fetch(`${enclave.url}/v1/datasets?name=${name}&idColumn=id`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: csv });
    return { status: res.status, body: (await res.json()) as { code?: string; detail?: string } };
  };
  const table = (province: string) => parseCsv(readFileSync(writeSynth({ enterprises: 200, bankCustomers: 50, seed: 3, bank: 'bank-a', province }, join(dir, `synth-${province}`)).files.platform, 'utf8'), 'platform');

  it('imports a table of its own province that follows the standard', async () => {
    const t = table('44');
    const res = await post('platform', formatCsv(t.header, t.rows));
    assert.equal(res.status, 201);
  });

  it('refuses, with a stable code naming the column, a missing column, a wrong type, an unknown level, an extra column', async () => {
    const t = table('44');
    const drop = t.header.indexOf('tax_arrears');
    const missing = await post('m1', formatCsv(t.header.filter((_, j) => j !== drop), t.rows.map((r) => r.filter((_, j) => j !== drop))));
    assert.equal(missing.status, 422);
    assert.equal(missing.body.code, 'network_column_missing');
    assert.match(missing.body.detail!, /"tax_arrears"/);

    const vat = t.header.indexOf('vat_paid_12m_10k');
    const wrongType = await post('m2', formatCsv(t.header, t.rows.map((r) => r.map((v, j) => (j === vat ? `lots${v}` : v)))));
    assert.equal(wrongType.body.code, 'network_column_type');
    assert.match(wrongType.body.detail!, /"vat_paid_12m_10k"/);
    assert.doesNotMatch(wrongType.body.detail!, /lots/);

    const grade = t.header.indexOf('tax_grade');
    const level = await post('m3', formatCsv(t.header, t.rows.map((r, i) => r.map((v, j) => (j === grade && i === 7 ? 'Z9' : v)))));
    assert.equal(level.body.code, 'network_column_level');
    assert.match(level.body.detail!, /"tax_grade"/);
    assert.doesNotMatch(level.body.detail!, /Z9/);

    const extra = await post('m4', formatCsv([...t.header, 'secret_score'], t.rows.map((r) => [...r, 1])));
    assert.equal(extra.body.code, 'network_column_unknown');
    assert.match(extra.body.detail!, /"secret_score"/);
  });

  it("refuses enterprises registered in another province, without quoting an id", async () => {
    const t = table('33');
    const res = await post('foreign', formatCsv(t.header, t.rows));
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'network_wrong_province');
    assert.ok(!t.rows.some((r) => res.body.detail!.includes(String(r[0]))));
    // The service keeps running and the good import is still there.
    const list = await fetch(`${enclave.url}/v1/datasets`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(((await list.json()) as { datasets: { name: string }[] }).datasets.map((d) => d.name), ['platform']);
  });
});
