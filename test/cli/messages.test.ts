/** Messages that help (issue 16): unknown names are named with the nearest one, enums list what they allow, counts say what they count. */
import { strict as assert } from 'node:assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '../../lab/errors';
import { jointSpec, startTestEnclave, TestEnclave, csvOf } from '../helpers/enclave';
import { REPO_ROOT, runCli, runCliAsync, tempDir } from '../helpers/cli';

describe('messages that help (CLI against a running enclave)', function () {
  this.timeout(120_000);
  let t: TestEnclave;
  const as = (who: 'steward' | 'bankA') => ({ env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens[who] } });

  before(async () => {
    t = await startTestEnclave();
  });
  after(() => t.enclave.close());

  it('dataset import and upload count columns in the same words: the columns besides the id column', async () => {
    const imported = await runCliAsync(['dataset', 'import', t.files.platform, '--name', 'platform', '--id-column', 'id', '--sensitive', 'dishonest_debtor', '--forbidden', 'shareholder_changes_3y'], as('steward'));
    assert.equal(imported.code, 0, imported.stderr);
    const platformColumns = csvOf(t.files.platform).toString('utf8').split('\n')[0].split(',').length - 1;
    assert.equal(platformColumns, 24);
    assert.match(imported.stdout, /^imported 3000 rows as dataset "platform": 24 columns besides the id column "id" \(22 feature, 1 sensitive, 1 forbidden, 0 label\)$/m);
    const uploaded = await runCliAsync(['upload', t.files.bank, '--name', 'customers'], as('bankA'));
    assert.equal(uploaded.code, 0, uploaded.stderr);
    assert.match(uploaded.stdout, /^uploaded 1500 rows as "customers" \(u_[^)]+\): 7 columns besides the id column "id"$/m);
    const listed = await runCliAsync(['dataset', 'list'], as('steward'));
    assert.match(listed.stdout, /^platform\s+3000\s+24\s+id\s+10$/m);
  });

  it('dataset import and upload with a wrong --id-column name the flag and the nearest column, and send nothing', async () => {
    for (const [verb, who] of [[['dataset', 'import', t.files.platform, '--name', 'typo'], 'steward'], [['upload', t.files.bank, '--name', 'typo'], 'bankA']] as const) {
      const r = await runCliAsync([...verb, '--id-column', 'ID', '--json'], as(who));
      assert.equal(r.code, EXIT_CODES.usage, r.stderr);
      assert.equal(JSON.parse(r.stdout).error.code, 'unknown_column');
      assert.match(r.stderr, /there is no id column "ID"; did you mean "id"\? \(name it with --id-column\)/);
      assert.doesNotMatch(r.stderr, /--id /);
    }
    const { datasets } = JSON.parse((await runCliAsync(['dataset', 'list', '--json'], as('steward'))).stdout);
    assert.deepEqual(datasets.map((d: { name: string }) => d.name), ['platform']);
  });

  it('a spec naming a mistyped column says which and suggests the nearest', async () => {
    const spec = jointSpec('lr');
    spec.platform.columns = ['tax_grde', ...spec.platform.columns.slice(1)];
    spec.bank.columns = ['loan_amount', ...spec.bank.columns.slice(1)];
    const file = join(t.dir, 'typo-spec.json');
    writeFileSync(file, JSON.stringify(spec));
    const r = await runCliAsync(['job', 'submit', file], as('bankA'));
    assert.equal(r.code, EXIT_CODES.validation, r.stderr);
    assert.match(r.stderr, /\/platform\/columns\/0: "tax_grde" is not a column of the dataset; did you mean "tax_grade"\?/);
    assert.match(r.stderr, /\/bank\/columns\/0: "loan_amount" is not a column of the upload; did you mean "loan_amount_10k"\?/);
  });

  it('a spec with a value outside an enum lists the allowed values', async () => {
    const file = join(t.dir, 'enum-spec.json');
    writeFileSync(file, JSON.stringify({ ...jointSpec('lr'), model: { family: 'xgboost' } }));
    const r = await runCliAsync(['job', 'submit', file], as('bankA'));
    assert.equal(r.code, EXIT_CODES.usage, r.stderr);
    assert.match(r.stderr, /\/model\/family: must be one of lr, scorecard, mlp/);
  });

  it("privacy budget without --org shows a steward every bank's budget and names --org, not the API's query parameter", async () => {
    const r = await runCliAsync(['privacy', 'budget'], as('steward'));
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /query parameter/);
    assert.match(r.stdout, /^org\s+budget\s+spent\s+remaining$/m);
    assert.match(r.stdout, /^bank-a\s+10\s+0\s+10$/m);
    assert.match(r.stdout, /--org ORG/);
    const json = JSON.parse((await runCliAsync(['privacy', 'budget', '--json'], as('steward'))).stdout);
    assert.deepEqual(json.budgets, [{ org: 'bank-a', budget: 10, spent: 0, remaining: 10 }]);
    const one = await runCliAsync(['privacy', 'budget', '--org', 'bank-a'], as('steward'));
    assert.match(one.stdout, /^bank-a: epsilon 0 spent of 10, 10 remaining$/m);
    assert.match((await runCliAsync(['privacy', 'budget'], as('bankA'))).stdout, /^bank-a: epsilon 0 spent of 10, 10 remaining$/m);
  });
});

describe('enclave start says where the console is', function () {
  this.timeout(60_000);

  it('prints the console URL after the address, and the console answers there', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'enclave', 'start', '--port', '0', '--db', join(tempDir(), 'e.db'), '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout!.on('data', (d) => {
          text += d;
          if (/console: \S+\n/.test(text)) resolve(text);
        });
        child.on('exit', (code) => reject(new Error(`enclave exited with ${code}`)));
      });
      const [address, console] = out.split('\n');
      const url = /listening on (http:\/\/\S+)/.exec(address)![1];
      assert.equal(console, `steward and bank console: ${url}/console/`);
      assert.equal((await fetch(`${url}/console/`)).status, 200);
    } finally {
      child.kill();
    }
  });
});

describe('enclave start --psi-prepare-ahead', () => {
  it('refuses a negative count as a usage error, before opening the database', () => {
    const db = join(tempDir(), 'e.db');
    const r = runCli(['enclave', 'start', '--psi-prepare-ahead', '-1', '--db', db]);
    assert.equal(r.code, EXIT_CODES.usage, r.stderr);
    assert.match(r.stderr, /--psi-prepare-ahead <n>' argument '-1' is invalid\. expected a whole number of at least 0/);
    assert.equal(existsSync(db), false);
  });
});

describe('messages that help (local CLI)', () => {
  it('train --id with a wrong name suggests the nearest column and names --id', () => {
    const r = runCli(['train', '--data', join(REPO_ROOT, 'datasets-sample', 'bank.csv'), '--label', 'default_12m', '--id', 'Id']);
    assert.equal(r.code, EXIT_CODES.validation, r.stderr);
    assert.match(r.stderr, /there is no id column "Id"; did you mean "id"\? \(name it with --id\)/);
  });
});
