import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { EXIT_CODES } from '../../lab/errors';
import { runCli, tempDir } from '../helpers/cli';

describe('jointlab train with feature selection (child processes)', function () {
  this.timeout(120_000);
  const dir = tempDir();
  const data = join(dir, 'synth');
  const files = () => ['train', '--data', join(data, 'bank.csv'), '--data', join(data, 'platform.csv'), '--label', 'default_12m'];

  before(() => {
    const r = runCli(['synth', '--enterprises', '3000', '--bank-customers', '2000', '--seed', '5', '--out', data, '--json']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('forward selection by validation AUC: the path in --json, the model on the kept features, the same path for the same seed', () => {
    const args = [...files(), '--model', 'scorecard', '--select', 'forward', '--criterion', 'auc', '--iv-min', '0.02', '--max-features', '5', '--json'];
    const first = runCli(args);
    assert.equal(first.code, 0, first.stderr);
    const result = JSON.parse(first.stdout);
    const { selection } = result;
    assert.ok(selection.features.length >= 1 && selection.features.length <= 5);
    assert.deepEqual([...result.features].sort(), [...selection.features].sort());
    assert.deepEqual(result.parameters.features.map((f: { name: string }) => f.name).sort(), [...selection.features].sort());
    const adds = selection.path.filter((s: { action: string }) => s.action === 'add');
    assert.deepEqual(adds.map((s: { feature: string }) => s.feature), selection.features);
    for (const s of adds) assert.equal(s.metric, 'auc');
    for (const s of selection.path.filter((s: { action: string }) => s.action === 'filter')) assert.ok(s.metric === 'iv' && s.value < 0.02);
    // Validation AUC rises with every addition.
    for (let i = 1; i < adds.length; i++) assert.ok(adds[i].value > adds[i - 1].value);
    assert.deepEqual(JSON.parse(runCli(args).stdout).selection, selection);
  });

  it('prints the path as a table after the metrics', () => {
    const r = runCli([...files(), '--select', 'stepwise', '--max-vif', '10']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /feature selection:\n/);
    assert.match(r.stdout, /step\s+action\s+feature\s+metric\s+value/);
    assert.match(r.stdout, /\n1\s+add\s+\S+\s+aic\s+\d+\.\d/);
    assert.match(r.stdout, /kept \d+ features?: /);
  });

  it('refuses out-of-bounds options and families selection does not cover, as usage errors', () => {
    const vif = runCli([...files(), '--select', 'forward', '--max-vif', '0.5']);
    assert.equal(vif.code, EXIT_CODES.usage);
    assert.match(vif.stderr, /maxVif: must be >= 1/);
    const mlp = runCli([...files(), '--model', 'gbdt', '--select', 'forward']);
    assert.equal(mlp.code, EXIT_CODES.usage);
    assert.match(mlp.stderr, /feature selection applies to lr and scorecard, not gbdt/);
    const none = runCli([...files(), '--iv-min', '2']);
    assert.equal(none.code, EXIT_CODES.validation);
    assert.match(none.stderr, /kept no feature/);
  });
});
