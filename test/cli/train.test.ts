import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '../../lab/errors';
import { parseCsv } from '../../lab/data/csv';
import { runCli, tempDir } from '../helpers/cli';

describe('jointlab synth / train / score (child processes)', function () {
  this.timeout(120_000);
  const dir = tempDir();
  const data = join(dir, 'synth');

  before(() => {
    const r = runCli(['synth', '--enterprises', '3000', '--bank-customers', '2000', '--seed', '3', '--out', data, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.deepEqual(summary.rows.bank, 2000);
  });

  it('trains the joint model and prints one JSON object with rows, metrics, backend and seconds', () => {
    const out = join(dir, 'model.json');
    const r = runCli(['train', '--data', join(data, 'bank.csv'), '--data', join(data, 'platform.csv'), '--label', 'default_12m', '--model', 'scorecard', '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.model, 'scorecard');
    assert.equal(result.backend, 'js');
    assert.deepEqual(result.rows, { train: 1400, test: 600 });
    for (const part of ['train', 'test']) for (const k of ['auc', 'ks', 'gini']) assert.equal(typeof result.metrics[part][k], 'number');
    assert.ok(result.metrics.test.auc > 0.6);
    assert.ok(result.seconds > 0);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).kind, 'scorecard');
  });

  it('scores rows with the saved model exactly as training predicted them', () => {
    const model = join(dir, 'lr.json');
    const bank = join(data, 'bank.csv');
    const platform = join(data, 'platform.csv');
    assert.equal(runCli(['train', '--data', bank, '--data', platform, '--label', 'default_12m', '--out', model]).code, 0);
    const r = runCli(['score', '--model', model, '--data', bank, '--data', platform]);
    assert.equal(r.code, 0, r.stderr);
    const scored = parseCsv(r.stdout, 'stdout');
    assert.deepEqual(scored.header, ['id', 'score']);
    assert.equal(scored.rows.length, 2000);
    // 4 decimals in text: a probability under 0.00005 prints as 0.0000, as a released score would.
    assert.ok(scored.rows.every(([, s]) => /^[01]\.\d{4}$/.test(s) && Number(s) >= 0 && Number(s) <= 1));
    const json = JSON.parse(runCli(['score', '--model', model, '--data', bank, '--data', platform, '--json']).stdout);
    // Text prints 4 decimals, as released scores have; --json keeps the full value.
    assert.equal(scored.rows[5][1], json.scores[5].score.toFixed(4));
  });

  it('prints human text with a metrics table when --json is absent', () => {
    const r = runCli(['train', '--data', join(data, 'bank.csv'), '--label', 'default_12m']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /AUC\s+KS\s+Gini/);
    assert.match(r.stdout, /^test\s+0\.\d{4}/m);
  });

  describe('bad input: a clear message, a non-zero exit code, never a stack trace', () => {
    const bank = (): string => join(data, 'bank.csv');
    const write = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const cases: [string, () => string[], number, RegExp][] = [
      ['a missing file', () => ['train', '--data', join(dir, 'nope.csv'), '--label', 'y'], EXIT_CODES.usage, /no such file/],
      ['an unknown feature', () => ['train', '--data', bank(), '--label', 'default_12m', '--features', 'loan_amount_10k,nope'], EXIT_CODES.validation, /no column "nope"/],
      ['an unknown label', () => ['train', '--data', bank(), '--label', 'nope'], EXIT_CODES.validation, /no column "nope"/],
      ['a label that is not 0/1', () => ['train', '--data', bank(), '--label', 'existing_loans'], EXIT_CODES.validation, /must hold 0 or 1/],
      ['a join that matches no rows', () => ['train', '--data', bank(), '--data', write('other.csv', 'id,z\nnobody,1\n'), '--label', 'default_12m'], EXIT_CODES.validation, /join has no rows/],
      ['a ragged CSV', () => ['train', '--data', write('ragged.csv', 'id,y,x\n1,0,1\n2,1\n'), '--label', 'y'], EXIT_CODES.validation, /line 3: 2 cells where the header has 3/],
      [
        'a non-number in a numeric column',
        () => ['train', '--data', write('nonnum.csv', 'id,y,x\n' + Array.from({ length: 30 }, (_, i) => `${i},${i % 2},${i === 4 ? 'oops' : i}`).join('\n')), '--label', 'y'],
        EXIT_CODES.validation,
        /line 6 holds a value that is not a number/,
      ],
      ['a split column with other values', () => ['train', '--data', write('split.csv', 'id,y,x,s\n1,0,1,train\n2,1,2,test\n3,0,3,dev\n'), '--label', 'y', '--split-column', 's'], EXIT_CODES.validation, /must hold "train" or "test"/],
      ['an unknown model family', () => ['train', '--data', bank(), '--label', 'default_12m', '--model', 'xgb'], EXIT_CODES.usage, /Allowed choices are lr, scorecard, mlp/],
      ['a bad test fraction', () => ['train', '--data', bank(), '--label', 'default_12m', '--test-fraction', '1.5'], EXIT_CODES.usage, /from 0 up to/],
      ['an unknown hyper-parameter', () => ['train', '--data', bank(), '--label', 'default_12m', '--param', 'l3=1'], EXIT_CODES.usage, /unknown hyper-parameter "l3"/],
      ['a model file that is not JSON', () => ['score', '--model', write('bad.json', '{nope'), '--data', bank()], EXIT_CODES.validation, /not valid JSON/],
    ];
    for (const [what, args, code, message] of cases) {
      it(what, () => {
        const r = runCli(args());
        assert.equal(r.code, code, `exit code for ${what}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'stack trace printed');
      });
    }

    it('prints the error as JSON on stdout with --json', () => {
      const r = runCli(['train', '--data', join(dir, 'nope.csv'), '--label', 'y', '--json']);
      assert.deepEqual(JSON.parse(r.stdout).error.code, 'file_not_found');
    });
  });

  it('has --help on every verb', () => {
    for (const verb of ['demo', 'synth', 'train', 'score', 'enclave start', 'admin add-principal', 'dataset import', 'upload', 'job submit', 'job score', 'consent revoke', 'consent counts', 'report', 'export', 'he train', 'he score', 'privacy budget', 'audit verify']) {
      const r = runCli([...verb.split(' '), '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`Usage: jointlab ${verb}`));
    }
  });
});
