/** `jointlab report --model`: the report of a local model, drawn by the same code as a job's, its figures computed on local rows. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameOf, labelsOf } from '../../lab/data/columns';
import { loadJoined } from '../../lab/train';
import { loadModel } from '../../models';
import { binaryMetrics, rocCurve } from '../../models/metrics';
import { REPO_ROOT, runCli, tempDir } from '../helpers/cli';

describe('jointlab report --model (child processes)', function () {
  this.timeout(180_000);
  const dir = tempDir('jointlab-report-local-');
  const data = join(dir, 'synth');
  const files = (): string[] => ['--data', join(data, 'bank.csv'), '--data', join(data, 'platform.csv')];

  /** The model's figures on the same rows, computed in this process with models/metrics.ts. */
  async function reference(modelFile: string): Promise<{ labels: Uint8Array; scores: Float64Array }> {
    const model = loadModel(JSON.parse(readFileSync(modelFile, 'utf8')));
    const joined = loadJoined([join(data, 'bank.csv'), join(data, 'platform.csv')], 'id');
    const frame = frameOf(joined, model.features.map((f) => f.name), new Set(model.features.filter((f) => f.kind === 'categorical').map((f) => f.name)));
    return { labels: labelsOf(joined, 'default_12m'), scores: await model.predict(frame) };
  }

  const trained: Record<string, { metrics: { train: Record<string, number>; test: Record<string, number> }; rows: { train: number; test: number } }> = {};

  before(() => {
    const r = runCli(['synth', '--enterprises', '3000', '--bank-customers', '2000', '--seed', '4', '--out', data, '--json']);
    assert.equal(r.code, 0, r.stderr);
    for (const family of ['scorecard', 'lr', 'gbdt']) {
      const t = runCli(['train', ...files(), '--label', 'default_12m', '--model', family, '--seed', '7', '--out', join(dir, `${family}.json`), '--json']);
      assert.equal(t.code, 0, t.stderr);
      trained[family] = JSON.parse(t.stdout);
    }
  });

  it('draws the ROC, KS, distribution, calibration, IV and points charts of a local scorecard, with the figures models/metrics.ts computes', async () => {
    const out = join(dir, 'scorecard.html');
    const r = runCli(['report', '--model', join(dir, 'scorecard.json'), ...files(), '--out', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.label, 'default_12m', 'the only 0/1 column the model does not use is the label');
    assert.deepEqual(summary.rows, { test: 2000 });
    const { labels, scores } = await reference(join(dir, 'scorecard.json'));
    const expected = binaryMetrics(labels, scores);
    for (const m of ['auc', 'ks', 'gini'] as const) assert.ok(Math.abs(summary.metrics.test[m] - expected[m]) < 1e-12, m);

    const html = readFileSync(out, 'utf8');
    const charts = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    const titles = charts.map((svg) => /<title id="[^"]+">([^<]+)<\/title>/.exec(svg)?.[1] ?? '');
    for (const wanted of ['ROC curve', 'KS', 'Score distribution by class', 'Calibration by decile', 'Information value by feature', 'points by bin']) {
      assert.ok(titles.some((t) => t.includes(wanted)), `no chart titled "${wanted}" in ${titles.join(' | ')}`);
    }
    for (const svg of charts) assert.equal((svg.match(/class="axis-label"/g) ?? []).length, 2, 'every chart labels both axes');
    assert.match(html, new RegExp(`<td>data</td><td>2000</td><td>${expected.auc.toFixed(4)}</td><td>${expected.ks.toFixed(4)}</td><td>${expected.gini.toFixed(4)}</td>`));
    // Nothing coarsened: one ROC point per distinct score, as models/metrics.ts draws it, and the KS gap is the KS.
    const roc = charts.find((svg) => svg.includes('ROC curve'))!;
    const polyline = /<polyline fill="none" stroke="#1f5fa8"[^>]*points="([^"]+)"/.exec(roc)![1];
    assert.equal(polyline.split(' ').length, rocCurve(labels, scores).length);
    assert.ok(titles.some((t) => t.includes(`max gap ${expected.ks.toFixed(3)}`)));
    assert.match(html, /<th>WOE<\/th>/);
    // The same page as a job's: self-contained, nothing fetched.
    assert.doesNotMatch(html, /<script|<link|<img|src=|@import|url\((?!#)/i);
  });

  it('draws a local logistic regression with its coefficients, and names the default output after the model', () => {
    const r = runCli(['report', '--model', join(dir, 'lr.json'), ...files(), '--label', 'default_12m'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote the report to report-lr\.html: label default_12m, 2000 rows, AUC 0\.\d{4}/);
    const html = readFileSync(join(dir, 'report-lr.html'), 'utf8');
    assert.match(html, /Standardized coefficients/);
    assert.doesNotMatch(html, /Scorecard bins/);
  });

  it('re-makes the hold-out of jointlab train (same fraction and seed): its train and test metrics, and an overfitting flag when train AUC is over test AUC by more than 0.05', () => {
    for (const family of ['scorecard', 'gbdt']) {
      const out = join(dir, `${family}-split.html`);
      const r = runCli(['report', '--model', join(dir, `${family}.json`), ...files(), '--test-fraction', '0.3', '--seed', '7', '--out', out, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout);
      assert.deepEqual(summary.rows, trained[family].rows);
      for (const part of ['train', 'test'] as const) {
        for (const m of ['auc', 'ks', 'gini']) assert.ok(Math.abs(summary.metrics[part][m] - trained[family].metrics[part][m]) < 1e-12, `${family} ${part} ${m}`);
      }
      const html = readFileSync(out, 'utf8');
      assert.match(html, new RegExp(`<td>train</td><td>${trained[family].rows.train}</td><td>${trained[family].metrics.train.auc.toFixed(4)}</td>`));
      assert.match(html, /ROC curve, test rows/);
      const gap = trained[family].metrics.train.auc - trained[family].metrics.test.auc;
      if (gap > 0.051) assert.match(html, /class="overfit" role="alert"><strong>Warning.<\/strong> Overfitting: train AUC/, `${family}: gap ${gap}`);
      if (gap < 0.049) assert.match(html, /No sign of overfitting/, `${family}: gap ${gap}`);
    }
    // Boosted trees on 1,400 rows learn their training rows: the shared data's gap is far over 0.05.
    assert.ok(trained.gbdt.metrics.train.auc - trained.gbdt.metrics.test.auc > 0.1);
  });

  it('refuses unclear requests with a usage error: no --data, a job and --model, an unknown label', () => {
    const model = join(dir, 'lr.json');
    const cases: [string[], string][] = [
      [['report', '--model', model], 'missing_argument'],
      [['report', 'job_1', '--model', model, ...files()], 'bad_arguments'],
      [['report', '--model', model, ...files(), '--label', 'no_such_column'], 'unknown_column'],
      [['report', '--model', model, '--data', join(data, 'platform.csv')], 'unknown_column'],
      [['report', '--model', model, ...files(), '--test-fraction', '0.3', '--split-column', 'x'], 'bad_arguments'],
    ];
    for (const [args, code] of cases) {
      const r = runCli([...args, '--json']);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.equal(JSON.parse(r.stdout).error.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
    }
  });

  it('loads nothing from enclave/ to draw a local report', () => {
    const probe = spawnSync(process.execPath, ['-e', "require('./dist/cli/report.js'); console.log(Object.keys(require.cache).filter((f) => f.includes('/dist/enclave/')).join('\\n'))"], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(probe.status, 0, probe.stderr);
    assert.equal(probe.stdout.trim(), '');
  });
});
