/** `jointlab monitor` as a child process: no shift against itself, and a column moved on purpose found as the one that shifted. */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCsv, parseCsv } from '../../lab/data/csv';
import { runCli, tempDir } from '../helpers/cli';

describe('jointlab monitor', function () {
  this.timeout(300_000);
  const dir = tempDir('jointlab-monitor-');
  const bank = join(dir, 'data', 'bank.csv');
  const platform = join(dir, 'data', 'platform.csv');
  const model = join(dir, 'model.json');
  const moved = join(dir, 'moved.csv');

  before(() => {
    assert.equal(runCli(['synth', '--enterprises', '3000', '--bank-customers', '2000', '--seed', '11', '--out', join(dir, 'data')]).code, 0);
    assert.equal(runCli(['train', '--data', bank, '--data', platform, '--label', 'default_12m', '--model', 'scorecard', '--out', model]).code, 0);
    // The current population: the same enterprises with their VAT paid ten times larger.
    const table = parseCsv(readFileSync(platform, 'utf8'), 'platform');
    const at = table.header.indexOf('vat_paid_12m_10k');
    writeFileSync(moved, formatCsv(table.header, table.rows.map((r) => r.map((cell, j) => (j === at && cell !== '' ? String(Number(cell) * 10) : cell)))));
  });

  const monitor = (current: string) => {
    const r = runCli(['monitor', '--model', model, '--baseline', bank, '--baseline', platform, '--current', bank, '--current', current, '--min-count', '10', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { score: { index: number; level: string; bins: { baseline: number; current: number }[] }; features: { name: string; index: number; level: string }[] };
  };

  it('finds no shift between a population and itself', () => {
    const same = monitor(platform);
    assert.equal(same.score.index, 0);
    assert.ok(same.features.every((f) => f.index === 0 && f.level === 'stable'));
  });

  it('names the column that moved, and the score moves with it; every bin holds at least --min-count rows', () => {
    const r = monitor(moved);
    const vat = r.features.find((f) => f.name === 'vat_paid_12m_10k')!;
    assert.equal(vat.level, 'shift', `CSI ${vat.index}`);
    assert.ok(r.features.filter((f) => f.name !== 'vat_paid_12m_10k').every((f) => f.index === 0));
    assert.ok(r.score.index > 0);
    assert.ok(r.score.bins.every((b) => b.baseline >= 10 && b.current >= 10));
    const text = runCli(['monitor', 'local', '--model', model, '--baseline', bank, '--baseline', platform, '--current', bank, '--current', moved]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /score PSI \d\.\d{4} \((stable|watch|shift)\)/);
    assert.match(text.stdout, /vat_paid_12m_10k\s+\d+\.\d{4}\s+shift/);
  });

  it('asks for a subcommand or the local options when given neither', () => {
    const r = runCli(['monitor', '--json']);
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.stdout).error.code, 'missing_option');
    assert.match(runCli(['monitor', '--help']).stdout, /local[\s\S]*submit/);
  });

  it('says which column the current rows lack', () => {
    const r = runCli(['monitor', '--model', model, '--baseline', bank, '--baseline', platform, '--current', bank]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no column "/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  });
});
