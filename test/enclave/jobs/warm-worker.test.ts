/** The standby training worker (warmWorker): jobs it runs release what a fresh worker releases, and it is ready again after each. */
import { strict as assert } from 'node:assert';
import { TestEnclave, jointSpec, seedData, startTestEnclave, waitForJob } from '../../helpers/enclave';

type Results = { released: { parameters: { model: { state: unknown } }; metrics: { test: { auc: number } } } };

async function trained(t: TestEnclave, family: string): Promise<Results> {
  const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec(family) });
  await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
  assert.equal(await waitForJob(t, id), 'released');
  return t.client('bankA').request<Results>('GET', `v1/jobs/${id}/results`);
}

describe('warm training worker', function () {
  this.timeout(300_000);
  let cold: TestEnclave;
  let warm: TestEnclave;
  before(async () => {
    [cold, warm] = await Promise.all([startTestEnclave(), startTestEnclave({ warmWorker: true })]);
    await Promise.all([seedData(cold), seedData(warm)]);
  });
  after(() => Promise.all([cold?.enclave.close(), warm?.enclave.close()]));

  it('releases the same model as a fresh worker, job after job', async () => {
    // Two jobs in turn: the first takes the worker warmed at start, the second the one warmed after it.
    assert.ok(warm.enclave.runner.standing && !cold.enclave.runner.standing);
    for (const family of ['lr', 'scorecard']) {
      const [a, b] = await Promise.all([trained(cold, family), trained(warm, family)]);
      assert.deepEqual(b.released.parameters.model.state, a.released.parameters.model.state, family);
      assert.equal(b.released.metrics.test.auc, a.released.metrics.test.auc);
      assert.ok(warm.enclave.runner.standing, 'a standby is ready again after the job');
    }
  });

  it('cancels a job in a warmed worker and readies another', async () => {
    const spec = jointSpec('mlp', { model: { family: 'mlp', params: { batchSize: 8, maxEpochs: 500, patience: 500 } } });
    const { id } = await warm.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await warm.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    for (let i = 0; (await warm.client('bankA').request<{ progress: number }>('GET', `v1/jobs/${id}`)).progress === 0; i++) {
      assert.ok(i < 600, 'the job never made progress');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await warm.client('bankA').request<{ state: string }>('POST', `v1/jobs/${id}/cancel`)).state, 'cancelled');
    await warm.enclave.runner.drained();
    assert.ok(warm.enclave.runner.standing);
    await warm.enclave.close();
    assert.ok(!warm.enclave.runner.standing, 'closing the enclave stops the standby');
  });
});
