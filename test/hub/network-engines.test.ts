/**
 * A network job's province parts read the platform's columns on the enclave's engine
 * (enclave/network/local-data.ts): the same job released with every province on SQLite rows and then,
 * the same enclaves restarted on DuckDB (their columnar copies rebuilt from SQLite at start), is the
 * same release figure for figure.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadDuckDb } from '../../enclave/columnar/duckdb-api';
import { ENGINE_VARIABLE } from '../../enclave/columnar/engine';
import { TestNetwork, spawnService, startTestNetwork, waitForHubJob } from '../helpers/network';
import { NETWORK_SPEC, assertClearOfK } from './pooled';

const hasDuckDb = loadDuckDb().api !== undefined;
const PROVINCES = ['11', '33'];

/** The released result without what differs between two jobs by construction (ids, names, times). */
const comparable = (result: unknown): unknown =>
  JSON.parse(JSON.stringify(result, (key, value) => (['job', 'id', 'name', 'createdAt', 'finishedAt', 'releasedAt', 'seconds', 'backend'].includes(key) ? undefined : value)));

(hasDuckDb ? describe : describe.skip)('network jobs on both platform engines', function () {
  this.timeout(600_000);
  let net: TestNetwork;
  const saved = process.env[ENGINE_VARIABLE];

  before(async () => {
    // The enclaves inherit the variable: SQLite rows first.
    process.env[ENGINE_VARIABLE] = 'sqlite';
    net = await startTestNetwork({ provinces: PROVINCES, enterprises: 1800, bankCustomers: 1500 });
    assertClearOfK(net.provinces.map((p) => p.files.platform), net.bankFile);
  });
  after(async () => {
    if (saved === undefined) delete process.env[ENGINE_VARIABLE];
    else process.env[ENGINE_VARIABLE] = saved;
    await net?.close();
  });

  const bank = (method: string, path: string, body?: unknown) => net.call(net.hub.url, net.hubTokens.bank, method, path, body);
  async function released(name: string): Promise<unknown> {
    const submitted = await bank('POST', '/v1/jobs', { ...NETWORK_SPEC, name, provinces: PROVINCES });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    const id = submitted.json.id;
    for (const p of net.provinces) {
      const r = await net.call(p.enclave.url, p.tokens.steward, 'POST', `/v1/jobs/${id}/approve`, {});
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    assert.equal((await bank('POST', `/v1/jobs/${id}/run`)).status, 202);
    const done = await waitForHubJob(net, id);
    assert.equal(done.state, 'released', done.reason);
    return done.result.released;
  }

  it('releases the same network LR with the provinces on SQLite rows and on DuckDB', async () => {
    const onSqlite = await released('net-sqlite');
    for (const p of net.provinces) assert.equal(existsSync(`${p.db}.columnar`), false, 'an enclave on SQLite rows keeps no columnar copy');
    // The same enclaves, restarted on the same port with the DuckDB engine (the hub knows them by URL), logging
    // this time: the log says which engine read the platform's columns.
    for (const p of net.provinces) {
      const port = new URL(p.enclave.url).port;
      p.enclave.child.kill('SIGTERM');
      await p.enclave.exited;
      p.enclave = await spawnService(['enclave', 'start', '--port', port, '--db', p.db, '--province', p.code, '--standard', join(net.dir, 'standard.json'), '--platform-engine', 'duckdb']);
    }
    // At start each enclave rebuilds the missing copy of its latest snapshot from SQLite's rows, in the background.
    const copied = (db: string) => existsSync(`${db}.columnar`) && readdirSync(`${db}.columnar`).some((n) => /^platform@\d+-[0-9a-f]{16}\.duckdb$/.test(n));
    for (let i = 0; i < 600 && !net.provinces.every((p) => copied(p.db)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(net.provinces.every((p) => copied(p.db)), 'every province has its columnar copy');
    const onDuck = await released('net-duckdb');
    assert.deepEqual(comparable(onDuck), comparable(onSqlite));
    // The comparison covers the model and its metrics, not an empty release.
    const parameters = (onSqlite as { parameters: { model: { state: { weights: number[] } } } }).parameters;
    assert.ok(parameters.model.state.weights.length > 5);
    for (const p of net.provinces) {
      assert.match(p.enclave.log(), /platform columns: DuckDB/);
      assert.doesNotMatch(p.enclave.log(), /no columnar copy|not used|not read|not kept/);
    }
  });
});
