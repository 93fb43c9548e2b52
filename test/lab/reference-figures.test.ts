/**
 * Our models against the scikit-learn figures in ../shared/datasets/README.md (same data, same split),
 * and the joint lift on default-size synthetic data.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BANK_COLUMNS, SYNTH_DEFAULTS } from '../../lab/synth/generate';
import { writeSynth } from '../../lab/synth/write';
import { train } from '../../lab/train';
import { ModelKind } from '../../models/model';
import { SHARED_DATASETS, runCli, tempDir } from '../helpers/cli';

const guest = join(SHARED_DATASETS, 'default_credit_hetero_guest.csv');
const host = join(SHARED_DATASETS, 'default_credit_hetero_host.csv');
const split = join(SHARED_DATASETS, 'default_credit_split.csv');

describe('reference figures on ../shared/datasets (default credit, fixed split)', function () {
  this.timeout(300_000);

  before(function () {
    if (!existsSync(split)) {
      console.log(`    skipped: ${SHARED_DATASETS} is not there`);
      this.skip();
    }
  });

  const joint = (model: ModelKind) => train({ data: [guest, host, split], id: 'id', label: 'y', model, splitColumn: 'split', testFraction: 0, seed: 42 });

  it('logistic regression, joint: test AUC within 0.005 of scikit-learn\'s 0.714', async () => {
    const r = await joint('lr');
    assert.deepEqual(r.rows, { train: 21_000, test: 9_000 });
    assert.equal(r.features.length, 23);
    assert.ok(Math.abs(r.metrics.test.auc - 0.714) <= 0.005, `AUC ${r.metrics.test.auc}`);
    assert.ok(Math.abs(r.metrics.test.ks - 0.366) <= 0.01, `KS ${r.metrics.test.ks}`);
  });

  it('logistic regression, bank only (guest): test AUC near 0.651', async () => {
    const r = await train({ data: [guest, split], id: 'id', label: 'y', model: 'lr', splitColumn: 'split', testFraction: 0, seed: 42 });
    assert.ok(Math.abs(r.metrics.test.auc - 0.651) <= 0.005, `AUC ${r.metrics.test.auc}`);
  });

  it('scorecard, joint: test AUC at least 0.760', async () => {
    const r = await joint('scorecard');
    assert.ok(r.metrics.test.auc >= 0.76, `AUC ${r.metrics.test.auc}`);
  });

  it('MLP, joint: test AUC at least 0.755', async () => {
    const r = await joint('mlp');
    assert.ok(r.metrics.test.auc >= 0.755, `AUC ${r.metrics.test.auc}`);
  });

  it('gradient-boosted trees, joint: test AUC above 0.775 (scikit-learn\'s HistGradientBoosting: 0.7705)', async () => {
    const r = await joint('gbdt');
    assert.ok(r.metrics.test.auc > 0.775, `AUC ${r.metrics.test.auc}`);
  });

  it('the CLI reproduces the joint logistic regression figure', () => {
    const r = runCli(['train', '--data', guest, '--data', host, '--data', split, '--label', 'y', '--split-column', 'split', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.ok(result.features.includes('default_credit_hetero_guest.x0') && result.features.includes('default_credit_hetero_host.x0'));
    assert.ok(Math.abs(result.metrics.test.auc - 0.714) <= 0.005);
  });
});

describe('joint lift on default-size synthetic data', function () {
  this.timeout(120_000);

  it('the joint logistic regression beats the bank-only one by at least 0.05 test AUC', async () => {
    const { files } = writeSynth(SYNTH_DEFAULTS, tempDir());
    const common = { id: 'id', label: 'default_12m', model: 'lr' as const, testFraction: 0.3, seed: 1 };
    const bankOnly = await train({ ...common, data: [files.bank], features: BANK_COLUMNS.filter((c) => c !== 'id' && c !== 'default_12m') });
    const joint = await train({ ...common, data: [files.bank, files.platform] });
    const lift = joint.metrics.test.auc - bankOnly.metrics.test.auc;
    assert.ok(lift >= 0.05, `lift ${lift} (bank only ${bankOnly.metrics.test.auc}, joint ${joint.metrics.test.auc})`);
  });
});
