/**
 * Attack: whoever holds the hub's token (a curious hub operator) sends a province a network job whose
 * roster lists, beside the province, a "member" whose X25519 key the attacker made. The province masks
 * its statistic with the pair mask it shares with that key; the attacker recomputes the mask and reads
 * the province's own statistic unmasked. This test passes only if the enclave refuses such a roster or
 * the recovered vector is far from the province's true statistic (failing = attack succeeds).
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { addPrincipal } from '../../enclave/auth/principals';
import { RunningEnclave, startEnclave } from '../../enclave/service';
import { issueHubToken } from '../../enclave/network/membership';
import { writeSynth } from '../../lab/synth/write';
import { decodeFixed, generateIdentity, maskVector, ringFromBytes, sumModular, DEFAULT_SCALE_BITS } from '../../lab/secagg';
import { momentsOf } from '../../lab/network/statistics';
import { momentsLength } from '../../lab/network/layout';
import { tempDir } from '../helpers/cli';
import { NETWORK_SPEC, joinedData, layoutOfSpec } from '../hub/pooled';
import { readFileSync } from 'node:fs';

const PROVINCE = '44';
/** A real province code, but the key is the attacker's: no enclave of province 11 ever saw this job. */
const FAKE = '11';

describe('attack: a roster with a fake member unmasks one province (curious hub)', function () {
  this.timeout(240_000);
  let enclave: RunningEnclave;
  let files: { platform: string; bank: string };
  const tokens: Record<string, string> = {};

  before(async () => {
    const dir = tempDir('jointlab-attack-');
    enclave = await startEnclave({ db: join(dir, 'enclave.db'), port: 0, settings: { minTrainingRows: 100, network: { province: PROVINCE } } });
    tokens.steward = (await addPrincipal(enclave.db, { name: 'steward', role: 'steward', org: 'platform-44' }, 'test')).token;
    tokens.bank = (await addPrincipal(enclave.db, { name: 'alice', role: 'bank', org: 'bank-a' }, 'test')).token;
    tokens.hub = (await issueHubToken(enclave.db, 'test')).token;
    // Enough of the bank's customers that the province's own k rules (training and test classes) pass well clear of their noise.
    ({ files } = writeSynth({ enterprises: 3000, bankCustomers: 1800, seed: 7, bank: 'bank-a', province: PROVINCE }, join(dir, 'synth')));
    const imported = await call(tokens.steward, 'POST', '/v1/datasets?name=platform&idColumn=id', readFileSync(files.platform), 'text/csv');
    assert.equal(imported.status, 201, JSON.stringify(imported.json));
    const uploaded = await call(tokens.bank, 'POST', '/v1/uploads?name=customers&network=1', readFileSync(files.bank), 'text/csv');
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.json));
  });

  after(async () => {
    await enclave?.close();
  });

  async function call(token: string, method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number; json: any }> {
    const res = await fetch(`${enclave.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
      body: body === undefined ? undefined : Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  it('refuses a roster whose other member is not the key its steward pinned (409 network_roster_unpinned)', async () => {
    const info = await call(tokens.hub, 'GET', '/v1/network/info');
    assert.equal(info.status, 200);
    const attacker = generateIdentity();
    const genuine = generateIdentity(); // province 11's real enclave, whose key the steward checked out of band
    const spec = { ...NETWORK_SPEC, provinces: [PROVINCE, FAKE] };
    const layout = layoutOfSpec();
    const roster = (own: string, other: string) => [
      { province: PROVINCE, publicKey: own },
      { province: FAKE, publicKey: other },
    ];
    const refused = async (id: string, members: { province: string; publicKey: string }[], why: RegExp) => {
      const r = await call(tokens.hub, 'POST', '/v1/network/jobs', { id, org: 'bank-a', owner: 'alice', spec, members, layout });
      assert.equal(r.status, 409, JSON.stringify(r.json));
      assert.equal(r.json.code, 'network_roster_unpinned');
      assert.match(r.json.detail, why);
      const seen = await call(tokens.steward, 'GET', `/v1/jobs/${id}`);
      assert.equal(seen.status, 404, 'a refused roster leaves no job behind');
    };
    // Nothing pinned yet: no other member is trusted.
    await refused('nj_attack-unpinned', roster(info.json.publicKey, attacker.publicKey), /province 11 is not pinned/);
    // The steward pins province 11's genuine key; the hub's own key for 11 is still refused, as is a roster
    // that swaps this enclave's own key for one the hub holds, or lists a province twice.
    const pinned = await call(tokens.steward, 'POST', '/v1/network-peers', { province: FAKE, publicKey: genuine.publicKey });
    assert.equal(pinned.status, 201, JSON.stringify(pinned.json));
    assert.match(pinned.json.fingerprint, /^([0-9a-f]{4}:){7}[0-9a-f]{4}$/);
    await refused('nj_attack-other-key', roster(info.json.publicKey, attacker.publicKey), /province 11 is listed with key/);
    await refused('nj_attack-own-key', roster(attacker.publicKey, genuine.publicKey), /not this enclave's identity/);
    await refused('nj_attack-twice', [...roster(info.json.publicKey, genuine.publicKey), { province: FAKE, publicKey: attacker.publicKey }], /listed twice/);
    // A bank cannot pin: the pins are the steward's.
    const byBank = await call(tokens.bank, 'POST', '/v1/network-peers', { province: FAKE, publicKey: attacker.publicKey });
    assert.equal(byBank.status, 403);

    // The genuine roster is accepted, and the steward's view shows the fingerprints the masks are agreed with.
    const id = 'nj_genuine-roster';
    const accepted = await call(tokens.hub, 'POST', '/v1/network/jobs', { id, org: 'bank-a', owner: 'alice', spec, members: roster(info.json.publicKey, genuine.publicKey), layout });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.json));
    const view = await call(tokens.steward, 'GET', `/v1/jobs/${id}`);
    const flag = (view.json.flags as { code: string; message: string }[]).find((f) => f.code === 'network_roster');
    assert.ok(flag?.message.includes(pinned.json.fingerprint), JSON.stringify(view.json.flags));

    // Even had the roster slipped through, the attack measured: the fake member's mask, removed, must leave
    // the province's statistic unreadable. Here the share is masked with the genuine 11's key, which the
    // attacker does not hold.
    const approved = await call(tokens.steward, 'POST', `/v1/jobs/${id}/approve`, { allowSensitive: ['dishonest_debtor'] });
    assert.equal(approved.status, 200, JSON.stringify(approved.json));
    const round = 'attack-round-0001';
    const share = await call(tokens.hub, 'POST', `/v1/network/jobs/${id}/rounds`, { round, phase: 'moments' });
    assert.equal(share.status, 200, JSON.stringify(share.json));
    const members = roster(attacker.publicKey, attacker.publicKey).map((m, i) => (i === 0 ? { ...m, publicKey: info.json.publicKey } : m));
    const own = maskVector(FAKE, attacker, members.map((m) => ({ id: m.province, publicKey: m.publicKey })), { job: id, round }, new BigUint64Array(momentsLength(layout)));
    const recovered = decodeFixed(sumModular([ringFromBytes(Buffer.from(share.json.masked, 'base64')), own]), DEFAULT_SCALE_BITS);
    const truth = momentsOf(joinedData([files.platform], files.bank, NETWORK_SPEC), layout);
    let worst = 0;
    for (let i = 0; i < truth.length; i++) worst = Math.max(worst, Math.abs(recovered[i] - truth[i]) / Math.max(1, Math.abs(truth[i])));
    assert.ok(worst > 0.5, `the attacker recovered province ${PROVINCE}'s own statistic to a relative error of ${worst.toExponential(2)}`);
  });

  it("refuses a job on an upload its owner did not open to network jobs (409 network_upload_not_granted)", async () => {
    const info = await call(tokens.hub, 'GET', '/v1/network/info');
    const genuine = (await call(tokens.steward, 'GET', '/v1/network-peers')).json.peers.find((p: { province: string }) => p.province === FAKE).publicKey;
    const plain = await call(tokens.bank, 'POST', '/v1/uploads?name=private', readFileSync(files.bank), 'text/csv');
    assert.equal(plain.status, 201, JSON.stringify(plain.json));
    assert.equal(plain.json.network, false);
    const members = [
      { province: PROVINCE, publicKey: info.json.publicKey },
      { province: FAKE, publicKey: genuine },
    ];
    const job = (id: string) => ({ id, org: 'bank-a', owner: 'alice', spec: { ...NETWORK_SPEC, provinces: [PROVINCE, FAKE], bank: { ...NETWORK_SPEC.bank, upload: 'private' } }, members, layout: layoutOfSpec() });
    const refused = await call(tokens.hub, 'POST', '/v1/network/jobs', job('nj_private-upload'));
    assert.equal(refused.status, 409, JSON.stringify(refused.json));
    assert.equal(refused.json.code, 'network_upload_not_granted');
    // Its owner opens it; only then is the job taken (another bank cannot open it).
    const other = (await addPrincipal(enclave.db, { name: 'bob', role: 'bank', org: 'bank-b' }, 'test')).token;
    assert.equal((await call(other, 'POST', `/v1/uploads/${plain.json.id}/network`)).status, 404);
    const opened = await call(tokens.bank, 'POST', `/v1/uploads/${plain.json.id}/network`);
    assert.equal(opened.status, 200, JSON.stringify(opened.json));
    assert.equal(opened.json.network, true);
    const accepted = await call(tokens.hub, 'POST', '/v1/network/jobs', job('nj_private-upload-2'));
    assert.equal(accepted.status, 201, JSON.stringify(accepted.json));
  });

  it('answers rounds only within the per-job plan and checks the outcome the hub sends before storing it', async () => {
    const id = 'nj_genuine-roster'; // accepted, approved and answered one moments round above
    const numeric = layoutOfSpec().features.filter((f) => f.kind === 'numeric').length;
    const spread = (round: string) => call(tokens.hub, 'POST', `/v1/network/jobs/${id}/rounds`, { round, phase: 'spread', centers: new Array(numeric).fill(0), spreads: new Array(numeric).fill(1e6) });
    const first = await spread('plan-spread-0001');
    assert.equal(first.status, 200, JSON.stringify(first.json));
    // A second spread in the same attempt would be a second look at the same rows under chosen parameters.
    const again = await spread('plan-spread-0002');
    assert.equal(again.status, 409, JSON.stringify(again.json));
    assert.equal(again.json.code, 'network_round_plan');
    // A new attempt starts with moments, three attempts at most.
    for (const n of [2, 3]) assert.equal((await call(tokens.hub, 'POST', `/v1/network/jobs/${id}/rounds`, { round: `plan-moments-000${n}`, phase: 'moments' })).status, 200);
    const fourth = await call(tokens.hub, 'POST', `/v1/network/jobs/${id}/rounds`, { round: 'plan-moments-0004', phase: 'moments' });
    assert.equal(fourth.json.code, 'network_round_plan');
    // Bin edges only on the grid this attempt agreed: none yet, then one beside the grid's boundaries.
    const bins = (round: string, edge: number) => call(tokens.hub, 'POST', `/v1/network/jobs/${id}/rounds`, { round, phase: 'bins', edges: new Array(numeric).fill([edge]) });
    assert.equal((await bins('plan-bins-0001', 1e9)).json.code, 'network_round_plan');
    const grid = await call(tokens.hub, 'POST', `/v1/network/jobs/${id}/rounds`, { round: 'plan-grid-0001', phase: 'grid', grids: new Array(numeric).fill({ lo: 0, width: 1e9 }) });
    assert.equal(grid.status, 200, JSON.stringify(grid.json));
    const offGrid = await bins('plan-bins-0002', 5e8);
    assert.equal(offGrid.status, 409);
    assert.match(offGrid.json.detail, /not a boundary of the agreed grid/);
    assert.equal((await bins('plan-bins-0003', 1e9)).status, 200);

    // The hub's outcome is re-checked: metrics this province never evaluated, a bin count that is no released count.
    const outcome = (released: Record<string, unknown>) => ({ outcome: { released, withheld: [], k: 10 }, seconds: 1 });
    const metrics = await call(tokens.hub, 'POST', `/v1/network/jobs/${id}/finish`, outcome({ metrics: { test: { auc: 0.7, ks: 0.3, gini: 0.4 }, rows: { train: 1000, test: 400 } } }));
    assert.equal(metrics.status, 409, JSON.stringify(metrics.json));
    assert.equal(metrics.json.code, 'network_outcome_refused');
    const state = await call(tokens.steward, 'GET', `/v1/jobs/${id}`);
    assert.equal(state.json.state, 'running', 'nothing stored from a refused outcome');
  });
});
