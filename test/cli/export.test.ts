/**
 * `jointlab export`: PMML 4.4 of logistic regression and scorecards, read back by an independent
 * reader (test/helpers/pmml-reader.ts) and compared row by row with `jointlab score`.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCsv, parseCsv } from '../../lab/data/csv';
import { loadJoined } from '../../lab/train';
import { jointSpec, startTestEnclave, seedData, TestEnclave, waitForJob } from '../helpers/enclave';
import { runCli, runCliAsync, tempDir } from '../helpers/cli';
import { PmmlDocument, Row } from '../helpers/pmml-reader';

interface Scored {
  scores: { id: string; score: number; points?: number }[];
}

function rowsOf(files: string[]): { ids: string[]; rows: Row[] } {
  const joined = loadJoined(files, 'id');
  const rows = joined.ids.map((_, i) => Object.fromEntries(joined.names.map((name) => [name, joined.cells.get(name)![i]])));
  return { ids: joined.ids, rows };
}

function scoreWithCli(model: string, files: string[]): Scored {
  const r = runCli(['score', '--model', model, ...files.flatMap((f) => ['--data', f]), '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Scored;
}

/** Largest gap between the PMML reading and `jointlab score` over every row. */
function largestGap(pmml: string, model: string, files: string[]): { gap: number; rows: number; kind: string } {
  const doc = new PmmlDocument(pmml);
  const { ids, rows } = rowsOf(files);
  const scored = scoreWithCli(model, files);
  assert.deepEqual(scored.scores.map((s) => s.id), ids);
  let gap = 0;
  scored.scores.forEach((s, i) => {
    const ours = doc.kind === 'Scorecard' ? s.points! : s.score;
    const theirs = doc.kind === 'Scorecard' ? doc.score(rows[i]).points : doc.probability(rows[i]);
    gap = Math.max(gap, Math.abs(ours - theirs));
  });
  return { gap, rows: rows.length, kind: doc.kind };
}

describe('jointlab export (PMML 4.4)', function () {
  this.timeout(300_000);
  const dir = tempDir('jointlab-export-');
  const bank = join(dir, 'data', 'bank.csv');
  const platform = join(dir, 'data', 'platform.csv');

  before(() => {
    assert.equal(runCli(['synth', '--enterprises', '3000', '--bank-customers', '2000', '--seed', '11', '--out', join(dir, 'data')]).code, 0);
  });

  for (const family of ['lr', 'scorecard', 'gbdt'] as const) {
    it(`scores a local ${family} model through the exported PMML as \`jointlab score\` does, within 1e-9`, () => {
      const model = join(dir, `${family}.json`);
      assert.equal(runCli(['train', '--data', bank, '--data', platform, '--label', 'default_12m', '--model', family, '--out', model]).code, 0);
      const out = join(dir, `${family}.pmml`);
      const r = runCli(['export', '--model', model, '--format', 'pmml', '--target', 'default_12m', '--out', out, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).out, out);
      const pmml = readFileSync(out, 'utf8');
      const { gap, rows, kind } = largestGap(pmml, model, [bank, platform]);
      assert.equal(kind, { lr: 'RegressionModel', scorecard: 'Scorecard', gbdt: 'MiningModel' }[family]);
      assert.ok(rows > 1000);
      assert.ok(gap <= 1e-9, `largest gap ${gap}`);
      if (family === 'lr') {
        // The joined data has categorical columns and gaps: the document must carry one-hot levels and missing indicators.
        assert.match(pmml, /<CategoricalPredictor name="[^"]+#level"/);
        assert.match(pmml, /<NumericPredictor name="[^"]+#missing"/);
      }
      if (family === 'gbdt') {
        // Category splits and missing sides must both be exercised for the comparison to mean anything.
        assert.match(pmml, /<SimpleSetPredicate /);
        assert.match(pmml, /defaultChild=/);
      }
    });
  }

  it('agrees on rows with unseen levels and missing values in every spelling jointlab reads', () => {
    // Every third row: categories the model never saw, and gaps written as NA, None, null and N/A.
    const damage: Record<string, string> = { collateral: 'spaceship', province: 'Atlantis', loan_amount_10k: 'NA', years_established: 'None', tax_grade: 'null', industry: 'N/A' };
    const damaged = [bank, platform].map((file) => {
      const table = parseCsv(readFileSync(file, 'utf8'), file);
      const rows = table.rows.map((row, i) => (i % 3 ? row : row.map((cell, k) => damage[table.header[k]] ?? cell)));
      const out = join(dir, `damaged-${file.replace(/^.*[\\/]/, '')}`);
      writeFileSync(out, formatCsv(table.header, rows));
      return out;
    });
    for (const family of ['lr', 'scorecard', 'gbdt']) {
      const { gap, rows } = largestGap(readFileSync(join(dir, `${family}.pmml`), 'utf8'), join(dir, `${family}.json`), damaged);
      assert.ok(rows > 1000 && gap <= 1e-9, `${family}: gap ${gap}`);
    }
  });

  it('declares no real category of our data missing: collateral "none" is a level, not a gap', () => {
    for (const family of ['lr', 'scorecard']) {
      const pmml = readFileSync(join(dir, `${family}.pmml`), 'utf8');
      const collateral = /<DataField name="collateral"[^>]*>(.*?)<\/DataField>/.exec(pmml)![1];
      assert.match(collateral, /<Value value="NA" property="missing"\/>/);
      assert.doesNotMatch(collateral, /value="none"/i, family);
    }
  });

  it('gives reason codes that name the features costing the most points', () => {
    const doc = new PmmlDocument(readFileSync(join(dir, 'scorecard.pmml'), 'utf8'));
    const { rows } = rowsOf([bank, platform]);
    const inputs = new Set(doc.inputFields);
    const withReasons = rows.slice(0, 200).map((row) => doc.score(row).reasons);
    assert.ok(withReasons.every((reasons) => reasons.every((code) => inputs.has(code))));
    assert.ok(withReasons.some((reasons) => reasons.length >= 3));
    assert.match(readFileSync(join(dir, 'scorecard.pmml'), 'utf8'), /<OutputField name="reason_1"[^>]*feature="reasonCode" rank="1"/);
  });

  it('refuses an MLP with a clear error, and a hand-damaged model file', () => {
    const model = join(dir, 'mlp.json');
    assert.equal(runCli(['train', '--data', bank, '--label', 'default_12m', '--model', 'mlp', '--param', 'maxEpochs=2', '--out', model]).code, 0);
    const r = runCli(['export', '--model', model, '--format', 'pmml', '--json']);
    assert.equal(r.code, 3);
    assert.equal(JSON.parse(r.stdout).error.code, 'not_exportable');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"format": "jointlab-model"');
    assert.equal(runCli(['export', '--model', broken]).code, 3);
    assert.equal(runCli(['export']).code, 2);
  });

  describe('from an enclave job', () => {
    let t: TestEnclave;
    let jobId: string;
    before(async () => {
      t = await startTestEnclave();
      await seedData(t);
      jobId = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec('lr', { name: 'joint-lr-export' }) })).id;
      await t.client('steward').request('POST', `v1/jobs/${jobId}/approve`, { json: { allowSensitive: [] } });
      assert.equal(await waitForJob(t, jobId), 'released');
    });
    after(() => t.enclave.close());

    it("exports the released model as JSON and PMML that agree with `jointlab score` on the bank's rows", async () => {
      const env = { ...process.env, JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankA };
      const json = join(dir, 'job.json');
      const pmmlFile = join(dir, 'job.pmml');
      assert.equal((await runCliAsync(['export', jobId, '--format', 'json', '--out', json], { env })).code, 0);
      const pmml = await runCliAsync(['export', jobId], { env });
      assert.equal(pmml.code, 0, pmml.stderr);
      writeFileSync(pmmlFile, pmml.stdout);
      assert.match(pmml.stdout, /<MiningField name="default_12m" usageType="target"\/>/);
      const wrapped = await runCliAsync(['export', jobId, '--json'], { env });
      assert.equal(JSON.parse(wrapped.stdout).content, pmml.stdout);
      const { gap, rows } = largestGap(pmml.stdout, json, [t.files.bank, t.files.platform]);
      assert.ok(rows > 500 && gap <= 1e-9, `gap ${gap} over ${rows} rows`);
    });

    it('answers another bank 404 and a bad format 400', async () => {
      const other = await runCliAsync(['export', jobId, '--json'], { env: { ...process.env, JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankB } });
      assert.equal(JSON.parse(other.stdout).error.code, 'not_found');
      const bad = await runCliAsync(['export', jobId, '--format', 'xls'], { env: { ...process.env, JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankA } });
      assert.equal(bad.code, 2);
    });
  });
});
