import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { startHub, RunningHub, addHubPrincipal } from '../../hub/service';
import { startEnclave, RunningEnclave } from '../../enclave/service';
import { SME_NETWORK_STANDARD } from '../../lab/network/sme-standard';
import { generateIdentity } from '../../lab/secagg';
import { tempDir } from '../helpers/cli';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { hashToken } from '../../enclave/auth/principals';
import { openMigrated } from '../../enclave/store/schema';
import { HUB_MIGRATIONS } from '../../hub/store';
import { storedMembers } from '../../hub/members';
import { callMember } from '../../hub/member-client';
import { JointlabError } from '../../lab/errors';
import { writeProvinceSynth } from '../../lab/synth/write';
import { EnclaveClient } from '../../lab/client/enclave-client';
import { encode } from '../../models/encoding';
import { fitLogistic } from '../../models/logistic-core';
import { NETWORK_SPEC, assertClearOfK, joinedData } from './pooled';

describe('the network hub (in process, real HTTP on loopback)', () => {
  let hub: RunningHub;
  let enclaves: RunningEnclave[];
  let admin: string;
  let bank: string;
  let dir: string;
  const joined: { token: string; publicKey: string }[] = [];
  let reissued = '';

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
    reissued = again.token;
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
    const synth = writeProvinceSynth(['44', '33'], { enterprises: 2000, bankCustomers: 1200, seed: 30 }, dir);
    const platforms = synth.provinces.map((p) => p.files.platform);
    const bankFile = synth.bankFile;
    assertClearOfK(platforms, bankFile);
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

  it("keeps members' tokens sealed: no file of the hub's database holds one, and the key file is the owner's only", async () => {
    const tokens = [...joined.map((j) => j.token), reissued];
    const files = readdirSync(dir).filter((f) => /^hub\.db(-wal|-shm)?$/.test(f));
    assert.ok(files.includes('hub.db'));
    for (const f of files) {
      const bytes = readFileSync(join(dir, f));
      for (const token of tokens) {
        for (const needle of [token, token.slice(4), hashToken(token)]) assert.equal(bytes.indexOf(needle), -1, `${f} holds a member's token`);
        assert.equal(bytes.indexOf(Buffer.from(token.slice(4), 'base64url')), -1, `${f} holds a member's token's bytes`);
      }
    }
    assert.equal(statSync(join(dir, 'hub.db.key')).mode & 0o077, 0, 'the key file is readable by its owner only');
    // The sealed token still opens for the hub: it calls the member with it.
    const [member] = await storedMembers(hub.db, ['44']);
    assert.equal(member.token, reissued);
  });

  it('migrates a hub database of the previous schema: a member token kept in the clear is sealed and wiped from the file', async () => {
    const file = join(dir, 'old-hub.db');
    const old = await openMigrated(file, HUB_MIGRATIONS, 'jointlab hub', 1);
    const { token, publicKey } = await enclaves[1].issueHubToken();
    joined[1] = { token, publicKey };
    const info = JSON.stringify({ province: '33', publicKey, standard: null, datasets: [] });
    const now = new Date().toISOString();
    await old.run('INSERT INTO members (province, url, public_key, token, info, added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', ['33', enclaves[1].url, publicKey, token, info, now, now]);
    await old.close();
    assert.notEqual(Buffer.concat(readdirSync(dir).filter((f) => f.startsWith('old-hub.db')).map((f) => readFileSync(join(dir, f)))).indexOf(token), -1, 'the old file holds the token');
    const upgraded = await startHub({ db: file, port: 0 });
    try {
      for (const f of readdirSync(dir).filter((f) => /^old-hub\.db(-wal|-shm)?$/.test(f))) assert.equal(readFileSync(join(dir, f)).indexOf(token.slice(4)), -1, `${f} still holds the token`);
      const row = await upgraded.db.get<{ token: string; token_sealed: Buffer }>("SELECT token, token_sealed FROM members WHERE province = '33'");
      assert.equal(row!.token, '');
      assert.ok(row!.token_sealed.length > token.length);
      // The hub calls the member with the sealed token as before.
      const [member] = await storedMembers(upgraded.db, ['33']);
      assert.equal((await callMember<{ province: string }>(member, 'GET', '/info')).province, '33');
    } finally {
      await upgraded.close();
    }
    // Another hub's key file does not open it: a clear error, not a garbled token sent to the member.
    const stranger = await startHub({ db: file, port: 0, keyFile: join(dir, 'other.key') });
    try {
      await assert.rejects(storedMembers(stranger.db, ['33']), (e: JointlabError) => e.code === 'hub_key_file');
    } finally {
      await stranger.close();
    }
  });

  it("keeps its own audit chain, which verifies", async () => {
    const verdict = await call(admin, 'GET', '/v1/audit/verify');
    assert.equal(verdict.json.ok, true);
    assert.ok(verdict.json.entries >= 5);
  });
});
