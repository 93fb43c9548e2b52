/**
 * Released AUC is rounded to three decimals at a keyed point, and the model is standardized on the
 * whole upload and platform table rather than the training rows (enclave/release/population.ts):
 * how far that may move a figure from the lab's. LR is invariant to the standardization but for its
 * penalty; the MLP's training path changes with it (bench/population.ts: 0.7686 -> 0.7652, while
 * its own seed-to-seed spread on this data is about 0.006).
 */
const RELEASE_TOLERANCE = 0.002;
const MLP_TOLERANCE = 0.01;

/**
 * The controls cost no accuracy when they are not asked for: with k = 10 and no differential
 * privacy, jobs through the enclave on ../shared/datasets (platform = host, bank = guest with its
 * labels and the fixed split) reach the same test AUC as the local lab, and the reference figures.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatCsv } from '../../../lab/data/csv';
import { loadJoined, train } from '../../../lab/train';
import { ModelKind } from '../../../models/model';
import { SHARED_DATASETS } from '../../helpers/cli';
import { TestEnclave, csvOf, startTestEnclave, waitForJob } from '../../helpers/enclave';

const guest = join(SHARED_DATASETS, 'default_credit_hetero_guest.csv');
const host = join(SHARED_DATASETS, 'default_credit_hetero_host.csv');
const split = join(SHARED_DATASETS, 'default_credit_split.csv');
const HOST = Array.from({ length: 10 }, (_, j) => `x${j}`);
const GUEST = Array.from({ length: 13 }, (_, j) => `g_x${j}`);

const lab = async (family: ModelKind, files: string[]) => (await train({ data: files, id: 'id', label: 'y', model: family, splitColumn: 'split', testFraction: 0, seed: 42 })).metrics.test.auc;

describe('shared-data figures through the enclave (k = 10, no DP)', function () {
  this.timeout(900_000);
  let t: TestEnclave;

  // The lab's figures, computed before the enclave starts: local training blocks this process for
  // seconds, and an HTTP keep-alive socket left idle across such a block can be dropped under load.
  const labAuc: Record<string, number> = {};

  before(async function () {
    if (!existsSync(split)) this.skip();
    labAuc.lr = await lab('lr', [guest, host, split]);
    labAuc.bankLr = await lab('lr', [guest, split]);
    labAuc.scorecard = await lab('scorecard', [guest, host, split]);
    labAuc.mlp = await lab('mlp', [guest, host, split]);
    labAuc.gbdt = await lab('gbdt', [guest, host, split]);
    t = await startTestEnclave();
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(host), query: { name: 'host', idColumn: 'id' } });
    // The bank's upload: its labels, its 13 features (renamed so they do not clash with the host's) and the split.
    const joined = loadJoined([guest, split], 'id');
    const header = ['id', 'y', ...GUEST, 'split'];
    const rows = joined.ids.map((id, i) => [id, joined.cells.get('y')![i], ...Array.from({ length: 13 }, (_, j) => joined.cells.get(`x${j}`)![i]), joined.cells.get('split')![i]]);
    await t.client('bankA').request('POST', 'v1/uploads', { csv: formatCsv(header, rows), query: { name: 'guest' } });
  });
  after(() => t?.enclave.close());

  async function enclaveAuc(family: ModelKind, platform: boolean, params?: Record<string, unknown>): Promise<number> {
    const spec = {
      name: `shared-${family}-${platform ? 'joint' : 'bank'}`,
      purpose: 'figures',
      bank: { upload: 'guest', columns: GUEST },
      ...(platform ? { platform: { dataset: 'host', columns: HOST } } : {}),
      label: 'y',
      model: { family, ...(params ? { params } : {}) },
      validation: { splitColumn: 'split', seed: 42 },
    };
    const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    assert.equal(await waitForJob(t, id), 'released');
    const results = await t.client('bankA').request<{ released: { metrics: { test: { auc: number }; rows: { train: number; test: number } } }; withheld: unknown[] }>('GET', `v1/jobs/${id}/results`);
    assert.deepEqual(results.withheld, []);
    // Counts leave noisy and rounded to 5 (enclave/release/population.ts).
    const { rows } = results.released.metrics;
    assert.ok(Math.abs(rows.train - 21_000) <= 25 && Math.abs(rows.test - 9_000) <= 25, JSON.stringify(rows));
    return results.released.metrics.test.auc;
  }


  it('logistic regression: the lab figure, within 0.005 of 0.714; bank only near 0.651', async () => {
    const joint = await enclaveAuc('lr', true);
    console.log(`      LR: lab ${labAuc.lr.toFixed(4)}, enclave (released) ${joint}`);
    assert.ok(Math.abs(joint - labAuc.lr) <= RELEASE_TOLERANCE, `enclave ${joint}`);
    assert.ok(Math.abs(joint - 0.714) <= 0.005);
    const bankOnly = await enclaveAuc('lr', false);
    assert.ok(Math.abs(bankOnly - labAuc.bankLr) <= RELEASE_TOLERANCE, `enclave ${bankOnly}`);
    assert.ok(Math.abs(bankOnly - 0.651) <= 0.005);
  });

  it('scorecard: the lab figure, at least 0.760', async () => {
    const joint = await enclaveAuc('scorecard', true);
    console.log(`      scorecard: lab ${labAuc.scorecard.toFixed(4)}, enclave (released) ${joint}`);
    assert.ok(Math.abs(joint - labAuc.scorecard) <= RELEASE_TOLERANCE, `enclave ${joint}`);
    assert.ok(joint >= 0.76);
  });

  it('MLP: the lab figure, at least 0.755', async () => {
    const joint = await enclaveAuc('mlp', true);
    console.log(`      MLP: lab ${labAuc.mlp.toFixed(4)}, enclave (released) ${joint}`);
    assert.ok(Math.abs(joint - labAuc.mlp) <= MLP_TOLERANCE, `enclave ${joint}`);
    assert.ok(joint >= 0.755);
  });

  it('gradient-boosted trees: the lab figure, at least 0.775', async () => {
    const joint = await enclaveAuc('gbdt', true);
    console.log(`      GBDT: lab ${labAuc.gbdt.toFixed(4)}, enclave (released) ${joint}`);
    assert.ok(Math.abs(joint - labAuc.gbdt) <= RELEASE_TOLERANCE, `enclave ${joint}`);
    // Released with three decimals at a keyed rounding point: the lab's 0.7757 leaves as 0.775 or 0.776.
    assert.ok(joint >= 0.775);
  });
});
