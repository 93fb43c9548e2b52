import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { startHub, RunningHub, addHubPrincipal } from '../../hub/service';
import { startEnclave, RunningEnclave } from '../../enclave/service';
import { SME_NETWORK_STANDARD } from '../../lab/network/sme-standard';
import { generateIdentity } from '../../lab/secagg';
import { tempDir } from '../helpers/cli';
import { readFileSync } from 'node:fs';
import { writeProvinceSynth } from '../../lab/synth/write';
import { EnclaveClient } from '../../lab/client/enclave-client';
import { encode } from '../../models/encoding';
import { fitLogistic } from '../../models/logistic-core';
import { NETWORK_SPEC, joinedData } from './pooled';

describe('the network hub (in process, real HTTP on loopback)', () => {
  let hub: RunningHub;
  let enclaves: RunningEnclave[];
  let admin: string;
  let bank: string;
  let dir: string;
  const joined: { token: string; publicKey: string }[] = [];

  before(async () => {
    dir = tempDir('jointlab-hub-');
    hub = await startHub({ db: join(dir, 'hub.db'), port: 0 });
    admin = (await addHubPrincipal(join(dir, 'hub.db'), { name: 'ops', role: 'admin', org: 'network' })).token;
    bank = (await addHubPrincipal(join(dir, 'hub.db'), { name: 'alice', role: 'bank', org: 'bank-a' })).token;
    enclaves = await Promise.all(['44', '33'].map((province) => startEnclave({ db: join(dir, `${province}.db`), port: 0, settings: { network: { province, standard: SME_NETWORK_STANDARD } } })));
    for (const e of enclaves) joined.push(await e.issueHubToken());
  });
  after(async () => {
    await hub.close();
    for (const e of enclaves) await e.close();
  });

  const call = async (token: string | null, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${hub.url}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type'), json: (await res.json()) as any };
  };

  it('answers problem+json with stable codes: no token, wrong role, bad role at issuing', async () => {
    const none = await call(null, 'GET', '/v1/members');
    assert.equal(none.status, 401);
    assert.match(none.type!, /problem\+json/);
    assert.equal((await call(bank, 'POST', '/v1/members', { province: '44', url: enclaves[0].url, token: 'x', publicKey: joined[0].publicKey })).json.code, 'forbidden_role');
    await assert.rejects(addHubPrincipal(join(dir, 'hub.db'), { name: 's', role: 'steward', org: 'x' }), /hub principals are admin or bank/);
  });

  it('pins a member only when the enclave presents the province and key its operator gave', async () => {
    const wrongKey = await call(admin, 'POST', '/v1/members', { province: '44', url: enclaves[0].url, token: joined[0].token, publicKey: generateIdentity().publicKey });
    assert.equal(wrongKey.status, 409);
    assert.equal(wrongKey.json.code, 'network_key_mismatch');
    const wrongProvince = await call(admin, 'POST', '/v1/members', { province: '33', url: enclaves[0].url, token: joined[0].token, publicKey: joined[0].publicKey });
    assert.equal(wrongProvince.json.code, 'network_wrong_province');
    const wrongToken = await call(admin, 'POST', '/v1/members', { province: '44', url: enclaves[0].url, token: 'jlh_nope', publicKey: joined[0].publicKey });
    assert.equal(wrongToken.status, 409);
    assert.equal(wrongToken.json.code, 'unauthenticated');
    const badProvince = await call(admin, 'POST', '/v1/members', { province: '99', url: enclaves[0].url, token: joined[0].token, publicKey: joined[0].publicKey });
    assert.equal(badProvince.json.code, 'bad_province');
    for (const [i, province] of ['44', '33'].entries()) {
      const added = await call(admin, 'POST', '/v1/members', { province, url: enclaves[i].url, token: joined[i].token, publicKey: joined[i].publicKey });
      assert.equal(added.status, 201, JSON.stringify(added.json));
      assert.equal(added.json.token, undefined);
    }
    // A re-issued hub token with the same identity re-registers; the key stays pinned.
    const again = await enclaves[0].issueHubToken();
    assert.equal(again.publicKey, joined[0].publicKey);
    assert.equal((await call(admin, 'POST', '/v1/members', { province: '44', url: enclaves[0].url, token: again.token, publicKey: again.publicKey })).status, 201);
  });

  it('refuses malformed network jobs (400 with pointers), unknown provinces and data the provinces do not hold (422)', async () => {
    const base = { name: 'n', purpose: 'p', provinces: ['44', '33'], platform: { dataset: 'platform', columns: ['tax_arrears'] }, bank: { upload: 'customers' }, label: 'default_12m' };
    const malformed = await call(bank, 'POST', '/v1/jobs', { ...base, provinces: ['44'], extra: 1 });
    assert.equal(malformed.status, 400);
    assert.ok(malformed.json.problems.some((p: any) => p.pointer === '/provinces'));
    const unknown = await call(bank, 'POST', '/v1/jobs', { ...base, provinces: ['44', '11'] });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.json.code, 'network_unknown_province');
    const noData = await call(bank, 'POST', '/v1/jobs', base);
    assert.equal(noData.status, 422);
    assert.equal(noData.json.code, 'network_spec_references');
    assert.ok(noData.json.problems.some((p: any) => p.pointer === '/platform/dataset'));
  });

  it('trains across enclaves that share one process to the pooled fit (each province answers with its own rows)', async () => {
    const steward = async (e: RunningEnclave) => e.issueToken({ name: 'steward', role: 'steward', org: 'p' });
    const synth = writeProvinceSynth(['44', '33'], { enterprises: 2000, bankCustomers: 1000, seed: 30 }, dir);
    const platforms = synth.provinces.map((p) => p.files.platform);
    const bankFile = synth.bankFile;
    const stewards: EnclaveClient[] = [];
    for (const [i, e] of enclaves.entries()) {
      const s = new EnclaveClient(e.url, await steward(e));
      stewards.push(s);
      await s.request('POST', 'v1/datasets', { csv: readFileSync(platforms[i]), query: { name: 'platform', idColumn: 'id' } });
      await new EnclaveClient(e.url, await e.issueToken({ name: 'alice', role: 'bank', org: 'bank-a' })).request('POST', 'v1/uploads', { csv: readFileSync(bankFile), query: { name: 'customers', network: '1' } });
    }
    // Each steward pins the other member's key (enclave/network/peers.ts): rosters are checked against the pins.
    for (const [i, s] of stewards.entries()) for (const [j, other] of joined.entries()) if (j !== i) await s.request('POST', 'v1/network-peers', { json: { province: ['44', '33'][j], publicKey: other.publicKey } });
    const job = await call(bank, 'POST', '/v1/jobs', { ...NETWORK_SPEC, provinces: ['44', '33'] });
    assert.equal(job.status, 201, JSON.stringify(job.json));
    for (const s of stewards) await s.request('POST', `v1/jobs/${job.json.id}/approve`, { json: {} });
    assert.equal((await call(bank, 'POST', `/v1/jobs/${job.json.id}/run`)).status, 202);
    let view = job.json;
    while (['submitted', 'training'].includes(view.state)) {
      await new Promise((r) => setTimeout(r, 100));
      view = (await call(bank, 'GET', `/v1/jobs/${job.json.id}`)).json;
    }
    assert.equal(view.state, 'released', view.reason);
    const model = view.result.released.parameters.model;
    const pooled = joinedData(platforms, bankFile);
    const x = encode(model.state.encoder, pooled.train.frame);
    const reference = fitLogistic(x.columns, pooled.train.labels, x.rows, { l2: 1, tolerance: 1e-12, maxIterations: 200 });
    const gap = Math.max(...model.state.weights.map((w: number, j: number) => Math.abs(w - reference.weights[j])));
    assert.ok(gap < 1e-6, `largest gap ${gap}`);
  });

  it("keeps its own audit chain, which verifies", async () => {
    const verdict = await call(admin, 'GET', '/v1/audit/verify');
    assert.equal(verdict.json.ok, true);
    assert.ok(verdict.json.entries >= 5);
  });
});
