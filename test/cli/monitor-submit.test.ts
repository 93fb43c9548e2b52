/** `jointlab monitor submit` and `jointlab job results` of a monitor job, as child processes against a running enclave. */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '../../lab/errors';
import { formatCsv, parseCsv } from '../../lab/data/csv';
import { runCliAsync } from '../helpers/cli';
import { jointSpec, useSeededEnclave, waitForJob } from '../helpers/enclave';
import type { JobResults } from '../../lab/api/results';
import type { JobView } from '../../lab/api/jobs';

describe('jointlab monitor submit', function () {
  this.timeout(300_000);
  const t = useSeededEnclave();
  const as = (who: 'steward' | 'bankA') => ({ env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens[who] } });
  const trained = async (spec: object): Promise<string> => {
    const id = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    assert.equal(await waitForJob(t, id), 'released');
    return id;
  };

  it('submits a monitor of a released model, and job results prints PSI and CSI with their status', async () => {
    const joint = await trained(jointSpec('scorecard'));
    const table = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform');
    const at = table.header.indexOf('years_established');
    const later = join(t.dir, 'platform-later.csv');
    writeFileSync(later, formatCsv(table.header, table.rows.map((r) => r.map((cell, j) => (j === at && cell !== '' ? String(Number(cell) + 15) : cell)))));
    assert.equal((await runCliAsync(['dataset', 'import', later, '--name', 'platform', '--id-column', 'id'], as('steward'))).code, 0);

    const submitted = await runCliAsync(['monitor', 'submit', '--job', joint], as('bankA'));
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = /submitted monitor job (\S+) \(monitor-joint-scorecard\) of job \S+: snapshots 1 -> 2 of "platform"/.exec(submitted.stdout)?.[1];
    assert.ok(id, submitted.stdout);
    const view = (await t.client('steward').request<JobView>('GET', `v1/jobs/${id}`));
    assert.equal(view.spec.model.family, 'scorecard');
    assert.equal((await runCliAsync(['job', 'approve', id!], as('steward'))).code, 0);
    assert.equal(await waitForJob(t, id!), 'released');

    const text = await runCliAsync(['job', 'results', id!], as('bankA'));
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /computed in the enclave/);
    assert.match(text.stdout, /monitor of job \S+ \(scorecard\) on dataset "platform": snapshot 1 \(\d{4}-\d\d-\d\d, 3000 rows\) -> snapshot 2/);
    assert.match(text.stdout, /score PSI \d+\.\d{4} \((stable|watch|shift)\) of the platform part of the score \(points\)/);
    assert.match(text.stdout, /years_established\s+\d+\.\d{4}\s+shift/);
    assert.match(text.stdout, /tax_grade\s+0\.\d{4}\s+stable/);
    assert.match(text.stdout, /stable < 0\.1 <= watch < 0\.25 <= shift/);
    const json = JSON.parse((await runCliAsync(['job', 'results', id!, '--json'], as('bankA'))).stdout) as JobResults;
    const years = json.released.stability!.features.find((f) => f.name === 'years_established')!;
    assert.equal(years.level, 'shift');
    assert.match(text.stdout, new RegExp(`years_established\\s+${years.index.toFixed(4)}`));
  });

  it('exits with the validation code and says what can be monitored instead', async () => {
    const gbdt = await trained(jointSpec('gbdt', { model: { family: 'gbdt', params: { rounds: 5 } } }));
    const r = await runCliAsync(['monitor', 'submit', '--job', gbdt, '--json'], as('bankA'));
    assert.equal(r.code, EXIT_CODES.validation);
    assert.equal(JSON.parse(r.stdout).error.code, 'not_monitorable');
    assert.match(r.stderr, /platform-only model/);
    const snapshot = await runCliAsync(['monitor', 'submit', '--job', gbdt, '--current', '7'], as('bankA'));
    assert.notEqual(snapshot.code, 0);
  });
});
