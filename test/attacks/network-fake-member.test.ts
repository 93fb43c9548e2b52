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
    ({ files } = writeSynth({ enterprises: 1500, bankCustomers: 900, seed: 7, bank: 'bank-a', province: PROVINCE }, join(dir, 'synth')));
    const imported = await call(tokens.steward, 'POST', '/v1/datasets?name=platform&idColumn=id', readFileSync(files.platform), 'text/csv');
    assert.equal(imported.status, 201, JSON.stringify(imported.json));
    const uploaded = await call(tokens.bank, 'POST', '/v1/uploads?name=customers', readFileSync(files.bank), 'text/csv');
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

  it('does not let the hub read a province\'s own statistic through a member key it controls', async () => {
    const info = await call(tokens.hub, 'GET', '/v1/network/info');
    assert.equal(info.status, 200);
    const attacker = generateIdentity();
    const members = [
      { province: PROVINCE, publicKey: info.json.publicKey as string },
      { province: FAKE, publicKey: attacker.publicKey },
    ];
    const layout = layoutOfSpec();
    const id = 'nj_attack-fake-member';
    const spec = { ...NETWORK_SPEC, provinces: [PROVINCE, FAKE] };
    const accepted = await call(tokens.hub, 'POST', '/v1/network/jobs', { id, org: 'bank-a', owner: 'alice', spec, members, layout });
    if (accepted.status >= 400) return; // refused: the defence holds
    // The steward sees an ordinary two-province job and approves it.
    const approved = await call(tokens.steward, 'POST', `/v1/jobs/${id}/approve`, { allowSensitive: ['dishonest_debtor'] });
    assert.equal(approved.status, 200, JSON.stringify(approved.json));

    const round = 'attack-round-0001';
    const share = await call(tokens.hub, 'POST', `/v1/network/jobs/${id}/rounds`, { round, phase: 'moments' });
    if (share.status >= 400) return; // refused: the defence holds
    // The attacker plays the fake member with a zero statistic: the pair mask cancels, leaving the province's own vector.
    const own = maskVector(FAKE, attacker, members.map((m) => ({ id: m.province, publicKey: m.publicKey })), { job: id, round }, new BigUint64Array(momentsLength(layout)));
    const recovered = decodeFixed(sumModular([ringFromBytes(Buffer.from(share.json.masked, 'base64')), own]), DEFAULT_SCALE_BITS);

    const truth = momentsOf(joinedData([files.platform], files.bank, NETWORK_SPEC), layout);
    let worst = 0;
    for (let i = 0; i < truth.length; i++) worst = Math.max(worst, Math.abs(recovered[i] - truth[i]) / Math.max(1, Math.abs(truth[i])));
    // Train rows, train positives, and each feature's count and sum, for this province alone.
    assert.ok(worst > 0.5, `the hub recovered province ${PROVINCE}'s own statistic (${truth.length} entries; train rows ${truth[0]}, positives ${truth[1]}) to a relative error of ${worst.toExponential(2)}`);
  });
});
