/** kill -9 during training, then a restart: no submitted job and no audit entry is lost, and the chain verifies. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { EnclaveClient } from '../../../lab/client/enclave-client';
import { runCli, startEnclaveProcess, tempDir } from '../../helpers/cli';
import { csvOf, jointSpec } from '../../helpers/enclave';

describe('crash recovery', function () {
  this.timeout(180_000);

  it('fails the job that was training, keeps every other job and the audit chain', async () => {
    const dir = tempDir('jointlab-crash-');
    const db = join(dir, 'enclave.db');
    runCli(['synth', '--enterprises', '3000', '--bank-customers', '2000', '--seed', '2', '--out', join(dir, 'synth')]);
    const token = (role: string, org: string) => JSON.parse(runCli(['admin', 'add-principal', '--name', role, '--role', role, '--org', org, '--db', db, '--json']).stdout).token;
    const stewardToken = token('steward', 'platform');
    const bankToken = token('bank', 'bank-a');

    let enclave = await startEnclaveProcess(db);
    let steward = new EnclaveClient(enclave.url, stewardToken);
    let bank = new EnclaveClient(enclave.url, bankToken);
    await steward.request('POST', 'v1/datasets', { csv: csvOf(join(dir, 'synth', 'platform.csv')), query: { name: 'platform', idColumn: 'id' } });
    await bank.request('POST', 'v1/uploads', { csv: csvOf(join(dir, 'synth', 'bank.csv')), query: { name: 'customers' } });
    // An MLP with tiny batches and no early stop trains long enough to be killed mid-way.
    const slow = jointSpec('mlp', { model: { family: 'mlp', params: { batchSize: 8, maxEpochs: 500, patience: 500 } } });
    const running = (await bank.request<{ id: string }>('POST', 'v1/jobs', { json: slow })).id;
    const waiting = (await bank.request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec('lr') })).id;
    await steward.request('POST', `v1/jobs/${running}/approve`, { json: {} });
    for (let i = 0; ; i++) {
      const view = await bank.request<{ state: string; progress: number }>('GET', `v1/jobs/${running}`);
      if (view.state === 'running' && view.progress > 0) break;
      assert.ok(i < 600, 'the job never started training');
      await new Promise((r) => setTimeout(r, 100));
    }
    // The API answers while the worker trains.
    assert.equal((await fetch(`${enclave.url}/v1/health`)).status, 200);
    const before = await steward.request<{ entries: { seq: number; action: string }[] }>('GET', 'v1/audit', { query: { limit: 1000 } });

    enclave.child.kill('SIGKILL');
    await enclave.exited;

    enclave = await startEnclaveProcess(db);
    steward = new EnclaveClient(enclave.url, stewardToken);
    bank = new EnclaveClient(enclave.url, bankToken);
    try {
      const crashed = await bank.request<{ state: string; reason: string }>('GET', `v1/jobs/${running}`);
      assert.equal(crashed.state, 'failed');
      assert.match(crashed.reason, /enclave stopped while the job was training/);
      assert.equal((await bank.request<{ state: string }>('GET', `v1/jobs/${waiting}`)).state, 'submitted');
      const after = await steward.request<{ entries: { seq: number; action: string }[] }>('GET', 'v1/audit', { query: { limit: 1000 } });
      assert.deepEqual(after.entries.slice(0, before.entries.length), before.entries, 'an audit entry was lost or changed');
      assert.equal(after.entries[after.entries.length - 1].action, 'job.failed');
      assert.equal((await steward.request<{ ok: boolean }>('GET', 'v1/audit/verify')).ok, true);
      // The job that waited can still be approved and trained after the restart.
      await steward.request('POST', `v1/jobs/${waiting}/approve`, { json: {} });
      for (let i = 0; ; i++) {
        const state = (await bank.request<{ state: string }>('GET', `v1/jobs/${waiting}`)).state;
        if (state === 'released') break;
        assert.ok(i < 600 && state !== 'failed', `job ended ${state}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      enclave.child.kill('SIGKILL');
    }
    const verified = runCli(['audit', 'verify', '--db', db, '--json']);
    assert.equal(JSON.parse(verified.stdout).ok, true);
  });
});
