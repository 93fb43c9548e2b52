/** The demo story through the CLI, each step a child process, against an enclave child process over real HTTP on a temporary SQLite file. */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BANK_COLUMNS, PLATFORM_COLUMNS } from '../../lab/synth/generate';
import { consentsAsOfToday } from '../../demo/story';
import { runCli, startEnclaveProcess, tempDir } from '../helpers/cli';

describe('end to end through the CLI', function () {
  this.timeout(180_000);
  const dir = tempDir('jointlab-e2e-');
  const db = join(dir, 'enclave.db');
  let enclave: Awaited<ReturnType<typeof startEnclaveProcess>>;
  const as = (token: string) => ({ env: { JOINTLAB_URL: enclave.url, JOINTLAB_TOKEN: token } });
  const ok = (r: ReturnType<typeof runCli>) => {
    assert.equal(r.code, 0, r.stderr);
    return r;
  };
  const json = (r: ReturnType<typeof runCli>) => JSON.parse(ok(r).stdout);

  before(async () => {
    ok(runCli(['synth', '--enterprises', '6000', '--bank-customers', '4000', '--seed', '11', '--out', join(dir, 'synth')]));
    // The synthetic consents carry fixed dates: moved as the demo moves them, the same ones are in force on
    // every day (unmoved, fewer than the 100 scored applicants asserted below from about March 2027).
    const consents = join(dir, 'synth', 'consent.csv');
    writeFileSync(consents, consentsAsOfToday(readFileSync(consents, 'utf8')));
    enclave = await startEnclaveProcess(db);
  });
  after(() => enclave.child.kill('SIGKILL'));

  it('runs the story: import, upload, two specs, approval, training, results with the joint lift, audit verified', () => {
    const steward = json(runCli(['admin', 'add-principal', '--name', 'steward', '--role', 'steward', '--org', 'platform', '--db', db, '--json'])).token;
    const bank = json(runCli(['admin', 'add-principal', '--name', 'risk', '--role', 'bank', '--org', 'bank-a', '--db', db, '--json'])).token;

    const imported = json(runCli(['dataset', 'import', join(dir, 'synth', 'platform.csv'), '--name', 'platform', '--id-column', 'id', '--forbidden', 'shareholder_changes_3y', '--json'], as(steward)));
    assert.equal(imported.rows, 6000);
    const uploaded = json(runCli(['upload', join(dir, 'synth', 'bank.csv'), '--name', 'customers', '--json'], as(bank)));
    assert.equal(uploaded.rows, 4000);
    assert.equal(json(runCli(['upload', 'list', '--json'], as(bank))).uploads.length, 1);

    const bankColumns = BANK_COLUMNS.filter((c) => c !== 'id' && c !== 'default_12m');
    const base = { purpose: 'e2e', label: 'default_12m', model: { family: 'scorecard' }, bank: { upload: 'customers', columns: bankColumns } };
    writeFileSync(join(dir, 'bank-only.json'), JSON.stringify({ ...base, name: 'bank-only' }));
    writeFileSync(
      join(dir, 'joint.json'),
      JSON.stringify({ ...base, name: 'joint', platform: { dataset: 'platform', columns: PLATFORM_COLUMNS.filter((c) => c !== 'id' && c !== 'shareholder_changes_3y') } }),
    );
    const ids = ['bank-only', 'joint'].map((name) => json(runCli(['job', 'submit', join(dir, `${name}.json`), '--json'], as(bank))).id as string);
    assert.deepEqual(json(runCli(['privacy', 'budget', '--json'], as(bank))), { org: 'bank-a', budget: 10, spent: 0, remaining: 10 });
    const queue = json(runCli(['job', 'list', '--state', 'submitted', '--json'], as(steward))).jobs;
    assert.deepEqual(queue.map((j: { id: string }) => j.id).sort(), [...ids].sort());

    const aucs: number[] = [];
    for (const id of ids) {
      assert.equal(json(runCli(['job', 'approve', id, '--json'], as(steward))).state, 'approved');
      assert.equal(json(runCli(['job', 'status', id, '--watch', '--json'], as(bank))).state, 'released');
      const results = json(runCli(['job', 'results', id, '--json'], as(bank)));
      assert.deepEqual(results.withheld, []);
      assert.equal(results.released.parameters.model.kind, 'scorecard');
      aucs.push(results.released.metrics.test.auc);
    }
    assert.ok(aucs[1] - aucs[0] >= 0.05, `joint lift ${aucs[1] - aucs[0]}`);

    const text = ok(runCli(['job', 'results', ids[1]], as(bank))).stdout;
    assert.match(text, /released, k = 10/);
    // Counts leave noisy and rounded to 5, metrics to three decimals (enclave/release/population.ts).
    assert.match(text, /test\s+1[12]\d[05]\s+0\.\d{3}0/);

    const verdict = json(runCli(['audit', 'verify', '--json'], as(steward)));
    assert.equal(verdict.ok, true);
    assert.ok(verdict.entries >= 14);
    assert.equal(json(runCli(['audit', 'verify', '--db', db, '--json'])).ok, true);
    assert.match(ok(runCli(['audit', 'tail', '-n', '3'], as(steward))).stdout, /job\.released/);
  });

  it('trains under encryption and scores privately through `jointlab he train` and `jointlab he score`', () => {
    const steward = json(runCli(['admin', 'add-principal', '--name', 'steward2', '--role', 'steward', '--org', 'platform', '--db', db, '--json'])).token;
    const bank = json(runCli(['admin', 'add-principal', '--name', 'he-bank', '--role', 'bank', '--org', 'bank-a', '--db', db, '--json'])).token;
    ok(runCli(['consent', 'import', join(dir, 'synth', 'consent.csv')], as(steward)));
    const bankCsv = readFileSync(join(dir, 'synth', 'bank.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'ids.csv'), ['id', ...bankCsv.slice(1).map((l) => l.split(',')[0])].join('\n') + '\n');
    ok(runCli(['upload', join(dir, 'ids.csv'), '--name', 'ids-only'], as(bank)));
    const features = 'tax_arrears,vat_paid_12m_10k,court_cases_3y,enforcement_records,years_established';
    const trainSpec = { name: 'he', purpose: 'e2e', mode: 'he-train', bank: { upload: 'ids-only' }, platform: { dataset: 'platform', columns: features.split(',') }, model: { family: 'lr' } };
    writeFileSync(join(dir, 'he-train.json'), JSON.stringify(trainSpec));
    const job = json(runCli(['job', 'submit', join(dir, 'he-train.json'), '--json'], as(bank))).id;
    ok(runCli(['job', 'approve', job], as(steward)));
    const model = join(dir, 'he-model.json');
    const trained = json(runCli(['he', 'train', '--job', job, '--upload', 'ids-only', '--labels', join(dir, 'synth', 'bank.csv'), '--platform-features', features, '--out', model, '--json'], as(bank)));
    assert.ok(trained.converged);
    assert.ok(trained.bytes.up > 0 && trained.bytes.down > 0);
    assert.equal(JSON.parse(readFileSync(model, 'utf8')).kind, 'lr');

    const scoreSpec = { name: 'he-score', purpose: 'e2e', mode: 'he-score', platform: { dataset: 'platform', columns: features.split(',') }, model: { family: 'lr' } };
    writeFileSync(join(dir, 'he-score.json'), JSON.stringify(scoreSpec));
    const scoreJob = json(runCli(['job', 'submit', join(dir, 'he-score.json'), '--json'], as(bank))).id;
    ok(runCli(['job', 'approve', scoreJob], as(steward)));
    // Scores are compared with the model's own below: the steward turns the score noise off for this dataset.
    ok(runCli(['scoring', 'policy', 'platform', '--noise-swap', '0'], as(steward)));
    writeFileSync(join(dir, 'applicants.csv'), ['id', ...bankCsv.slice(1, 201).map((l) => l.split(',')[0])].join('\n') + '\n');
    const scored = ok(runCli(['he', 'score', '--job', scoreJob, '--model', model, '--ids', join(dir, 'applicants.csv')], as(bank)));
    const lines = scored.stdout.trim().split('\n');
    assert.equal(lines[0], 'id,score');
    const refused = (scored.stderr.match(/^refused /gm) ?? []).length;
    assert.equal(lines.length - 1 + refused, 200, 'every applicant is either scored or refused by id');
    assert.ok(refused > 0 && lines.length > 100);
    // The same model in the clear, on the rows a researcher holds, gives the same scores.
    const plain = ok(runCli(['score', '--model', model, '--data', join(dir, 'synth', 'platform.csv'), '--json'])).stdout;
    const byId = new Map((JSON.parse(plain).scores as { id: string; score: number }[]).map((s) => [s.id, s.score]));
    for (const line of lines.slice(1)) {
      const [id, score] = line.split(',');
      assert.ok(Math.abs(Number(score) - byId.get(id)!) < 1e-4, `score of ${id}`);
    }
  });

  it('maps API errors to exit codes and plain messages', () => {
    const bank = json(runCli(['admin', 'add-principal', '--name', 'other', '--role', 'bank', '--org', 'bank-b', '--db', db, '--json'])).token;
    const forbidden = runCli(['dataset', 'import', join(dir, 'synth', 'platform.csv'), '--name', 'x', '--id-column', 'id'], as(bank));
    assert.equal(forbidden.code, 4);
    assert.match(forbidden.stderr, /this route is for steward principals/);
    const unauth = runCli(['job', 'list'], as('jl_wrong'));
    assert.equal(unauth.code, 4);
    const notFound = runCli(['job', 'status', 'j_nope'], as(bank));
    assert.equal(notFound.code, 3);
    assert.match(notFound.stderr, /no such job/);
    const down = runCli(['job', 'list'], { env: { JOINTLAB_URL: 'http://127.0.0.1:9', JOINTLAB_TOKEN: bank } });
    assert.equal(down.code, 5);
    assert.match(down.stderr, /cannot reach the enclave/);
  });

  it('serves its OpenAPI 3.1 description generated from the request schemas', async () => {
    const doc = (await (await fetch(`${enclave.url}/v1/openapi.json`)).json()) as { openapi: string; components: { schemas: Record<string, { properties: object }> }; paths: object };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok('platform' in doc.components.schemas.JobSpec.properties);
    assert.ok('/v1/jobs/{id}/results' in doc.paths);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    enclave.child.kill('SIGTERM');
    assert.equal(await enclave.exited, 0);
  });
});
