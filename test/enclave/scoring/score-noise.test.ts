/**
 * Score noise: the perturbation is a function of (enterprise, column) under the enclave's secret, so a
 * re-score gives the same value; it swaps about the set share of values and keeps the rest; through the
 * API, scores with the noise on differ from the model's on the stored rows and repeat exactly, and with
 * the noise off an honest model scores within 1e-4 of the released model.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { NoiseColumn, perturbCells } from '../../../enclave/release/score-noise';
import { DEFAULT_SCORING_POLICY } from '../../../enclave/release/scoring-policy';
import { frameOf } from '../../../lab/data/columns';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { loadJoined } from '../../../lab/train';
import { loadModel } from '../../../models';
import { ModelFile } from '../../../models/model';
import { TestEnclave, csvOf, startTestEnclave, waitForJob } from '../../helpers/enclave';
import { SPREAD } from './features';

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('score noise', function () {
  this.timeout(300_000);

  it('swaps about the set share of values for another row of the same column, the same way every time', () => {
    const key = randomBytes(32);
    const rows = 4000;
    const population = Array.from({ length: rows }, (_, i) => [String(i % 7), i % 3 === 0 ? 'A' : 'B']);
    const columns: NoiseColumn[] = [
      { name: 'count', type: 'numeric', sd: 2 },
      { name: 'grade', type: 'categorical', sd: 0 },
    ];
    const policy = { ...DEFAULT_SCORING_POLICY, noiseSwap: 0.2, noiseSd: 0 };
    let swapped = 0;
    for (let i = 0; i < rows; i++) {
      const id = `e${i}`;
      const once = perturbCells(key, policy, id, population[i], columns, rows, (r) => population[r]);
      assert.deepEqual(perturbCells(key, policy, id, population[i], columns, rows, (r) => population[r]), once, 'the same enterprise, the same perturbed row');
      assert.ok(population.some((r) => r[0] === once[0]) && ['A', 'B'].includes(once[1]), 'a replacement is a value the column takes');
      // A donor that is not the row itself: value 0..6 equal to i % 7 only by chance.
      if (once[0] !== population[i][0]) swapped++;
    }
    // Swaps that land on the same value are invisible: 0.2 * 6/7 of values change.
    assert.ok(Math.abs(swapped / rows - 0.2 * (6 / 7)) < 0.025, `changed ${swapped / rows}`);
    const gaussian = { ...policy, noiseSwap: 0, noiseSd: 0.5 };
    const shifts = population.map((r, i) => Number(perturbCells(key, gaussian, `e${i}`, r, columns, rows, (j) => population[j])[0]) - Number(r[0]));
    const sd = Math.sqrt(shifts.reduce((s, x) => s + x * x, 0) / rows);
    assert.ok(Math.abs(sd - 0.5 * 2) < 0.08, `Gaussian noise sd ${sd}`);
  });

  describe('through the API', () => {
    let t: TestEnclave;
    let job: string;
    let ids: string[];
    before(async () => {
      t = await startTestEnclave();
      await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
      await t.client('bankA').request('POST', 'v1/uploads', { csv: csvOf(t.files.bank), query: { name: 'customers' } });
      ids = parseCsv(readFileSync(t.files.platform, 'utf8'), 'p').rows.slice(0, 400).map((r) => r[0]);
      await t.client('steward').request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], ids.map((id) => [id, 'bank-a', 'scoring', day(-1), day(30)])) });
      const spec = { name: 'noisy', purpose: 'scoring', bank: { upload: 'customers' }, platform: { dataset: 'platform', columns: SPREAD }, label: 'default_12m', model: { family: 'lr' } };
      job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
      await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
      assert.equal(await waitForJob(t, job), 'released');
    });
    after(() => t.enclave.close());

    const score = async () => (await t.client('bankA').request<{ scores: { id: string; score: number }[] }>('POST', 'v1/score', { json: { job, ids } })).scores;

    it('is on by default: scores differ from the model on the stored rows, and repeat exactly', async () => {
      const policy = await t.client('bankA').request<{ noiseSwap: number }>('GET', 'v1/scoring/policy/platform');
      assert.equal(policy.noiseSwap, DEFAULT_SCORING_POLICY.noiseSwap);
      const first = await score();
      assert.deepEqual(await score(), first, 're-scoring cannot average the noise away');
      const released = await t.client('bankA').request<{ released: { parameters: { model: ModelFile } } }>('GET', `v1/jobs/${job}/results`);
      const model = loadModel(released.released.parameters.model);
      const joined = loadJoined([t.files.platform], 'id');
      const expected = await model.predict(frameOf(joined, SPREAD, new Set()));
      const at = new Map(joined.ids.map((id, i) => [id, i]));
      const moved = first.filter((s) => Math.abs(s.score - expected[at.get(s.id)!]) > 1e-4).length / first.length;
      // With 7 columns each swapped with probability 0.25, about 1 - 0.75^7 = 87% of rows have a swap; some land on the same value.
      assert.ok(moved > 0.4 && moved < 0.97, `share of scores the noise moved: ${moved}`);

      await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0, noiseSd: 0 } });
      const clean = await score();
      const gap = Math.max(...clean.map((s) => Math.abs(s.score - expected[at.get(s.id)!])));
      assert.ok(gap <= 0.5e-4 + 1e-12, `an honest model with the noise off scores within 1e-4 of the released model (gap ${gap})`);
    });
  });
});
