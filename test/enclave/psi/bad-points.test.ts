import { strict as assert } from 'node:assert';
import type { PsiSessionView } from '../../../lab/api/psi';
import { hashToPoint, psiDomain } from '../../../lab/psi/hash-to-point';
import { multiply, newScalar } from '../../../lab/psi/x25519';
import { TestEnclave, Who, csvOf, startTestEnclave } from '../../helpers/enclave';
import { SMALL_ORDER } from '../../lab/psi/small-order';

const OCTETS = 'application/octet-stream';

describe('PSI sessions refuse bad points and bad order with stable 4xx codes, and keep working', () => {
  let t: TestEnclave;
  const platformIds: string[] = [];
  before(async () => {
    // Chunks of 64 points, so that a few hundred ids span several chunks.
    t = await startTestEnclave({ enterprises: 400, bankCustomers: 200, psi: { pointsPerRequest: 64 } });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    platformIds.push(...csvOf(t.files.platform).toString('utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]));
  });
  after(() => t.enclave.close());

  const open = async (points: number, who: Who = 'bankA') => {
    const r = await t.call(who, 'POST', '/v1/psi/sessions', { body: JSON.stringify({ dataset: 'platform', points }), type: 'application/json' });
    assert.equal(r.status, 201, r.text);
    return r.json() as PsiSessionView;
  };
  const post = (path: string, body: Buffer, who: Who = 'bankA') => t.call(who, 'POST', path, { body, type: OCTETS });
  const expectProblem = (r: { status: number; json: () => any }, status: number, code: string) => {
    assert.equal(r.status, status, JSON.stringify(r.json()));
    assert.equal(r.json().code, code);
  };

  it('answers bad_points for empty, ragged, oversized, miscounted and small-order bodies; the session then completes', async () => {
    const ids = platformIds.slice(0, 100);
    const s = await open(ids.length);
    assert.equal(s.chunkPoints, 64);
    const base = `/v1/psi/sessions/${s.id}`;
    const domain = psiDomain(s.dataset, s.nonce);
    const b = newScalar();
    const blinded = Buffer.concat(ids.map((id) => multiply(b, hashToPoint(domain, id))));
    const chunk0 = blinded.subarray(0, 64 * 32);

    for (const body of [Buffer.alloc(0), Buffer.alloc(31), chunk0.subarray(0, 64 * 32 - 1), Buffer.concat([chunk0, Buffer.alloc(1)])]) expectProblem(await post(`${base}/points/0`, body), 400, 'bad_points');
    // Whole points, but not the chunk's count, or more than a request may hold.
    expectProblem(await post(`${base}/points/0`, chunk0.subarray(0, 32 * 10)), 400, 'bad_points');
    expectProblem(await post(`${base}/points/0`, Buffer.alloc(32 * 65, 7)), 400, 'bad_points');
    // Far beyond a request's size: the parser's limit answers before the route.
    expectProblem(await post(`${base}/points/0`, Buffer.alloc(32 * 64 * 3, 7)), 413, 'body_too_large');
    // Not bytes at all.
    expectProblem(await t.call('bankA', 'POST', `${base}/points/0`, { body: '{"points":[1,2]}', type: 'application/json' }), 400, 'bad_points');
    // Each small-order point, hidden in an otherwise good chunk.
    for (const p of SMALL_ORDER) {
      const poisoned = Buffer.from(chunk0);
      Buffer.from(p, 'hex').copy(poisoned, 32 * 17);
      const r = await post(`${base}/points/0`, poisoned);
      expectProblem(r, 400, 'bad_points');
      assert.match(r.json().detail, /point 17 has small order/);
    }
    expectProblem(await post(`${base}/points/9`, chunk0), 400, 'psi_no_chunk');
    expectProblem(await post(`${base}/points/-1`, chunk0), 400, 'psi_no_chunk');
    // Out of order: the platform set cannot come back before the bank's own points are all in; nor can the session finish.
    expectProblem(await post(`${base}/platform/0`, Buffer.alloc(64 * 32, 9)), 409, 'psi_out_of_order');
    expectProblem(await t.call('bankA', 'POST', `${base}/finish`), 409, 'psi_incomplete');
    // Another bank does not see the session at all.
    expectProblem(await post(`${base}/points/0`, chunk0, 'bankB'), 404, 'not_found');
    expectProblem(await t.call('bankB', 'GET', base), 404, 'not_found');
    // A steward cannot send points.
    expectProblem(await post(`${base}/points/0`, chunk0, 'steward'), 403, 'forbidden_role');

    // After all that the service and the session work: the exchange completes and finds every id.
    assert.equal((await t.call(null, 'GET', '/v1/health')).status, 200);
    const back0 = await post(`${base}/points/0`, chunk0);
    assert.equal(back0.status, 200);
    expectProblem(await post(`${base}/points/0`, chunk0), 409, 'psi_chunk_done');
    const back1 = await post(`${base}/points/1`, blinded.subarray(64 * 32));
    assert.equal(back1.status, 200);
    const view = (await t.call('bankA', 'GET', base)).json() as PsiSessionView;
    assert.equal(view.received, 100);
    for (let i = 0; i < view.platformChunks; i++) {
      const res = await fetch(`${t.enclave.url}${base}/platform/${i}`, { headers: { authorization: `Bearer ${t.tokens.bankA}` } });
      const got = Buffer.from(await res.arrayBuffer());
      const again = Buffer.concat(Array.from({ length: got.length / 32 }, (_, k) => multiply(b, got.subarray(k * 32, k * 32 + 32))));
      assert.equal((await post(`${base}/platform/${i}`, again)).status, 204);
    }
    const finish = await t.call('bankA', 'POST', `${base}/finish`);
    assert.deepEqual(finish.json(), { intersection: 100 });
    expectProblem(await post(`${base}/points/0`, chunk0), 409, 'psi_not_open');
  });

  it('refuses an upload bound to a session unless its ids are exactly the intersection, naming no id', async () => {
    const ids = platformIds.slice(0, 50);
    const s = await open(ids.length);
    const base = `/v1/psi/sessions/${s.id}`;
    const domain = psiDomain(s.dataset, s.nonce);
    const b = newScalar();
    const upload = (csv: string, name = 'bound') => t.call('bankA', 'POST', `/v1/uploads?name=${name}&psiSession=${s.id}`, { body: csv, type: 'text/csv' });
    expectProblem(await upload(`id\n${ids.join('\n')}\n`), 409, 'psi_not_matched');
    assert.equal((await post(`${base}/points/0`, Buffer.concat(ids.map((id) => multiply(b, hashToPoint(domain, id)))))).status, 200);
    const view = (await t.call('bankA', 'GET', base)).json() as PsiSessionView;
    for (let i = 0; i < view.platformChunks; i++) {
      const res = await fetch(`${t.enclave.url}${base}/platform/${i}`, { headers: { authorization: `Bearer ${t.tokens.bankA}` } });
      const got = Buffer.from(await res.arrayBuffer());
      await post(`${base}/platform/${i}`, Buffer.concat(Array.from({ length: got.length / 32 }, (_, k) => multiply(b, got.subarray(k * 32, k * 32 + 32)))));
    }
    assert.deepEqual((await t.call('bankA', 'POST', `${base}/finish`)).json(), { intersection: 50 });

    const extra = platformIds[300];
    const r = await upload(`id\n${[...ids, extra].join('\n')}\n`);
    expectProblem(r, 422, 'psi_mismatch');
    assert.doesNotMatch(r.text, new RegExp(extra));
    expectProblem(await upload(`id\n${ids.slice(1).join('\n')}\n`), 422, 'psi_mismatch');
    expectProblem(await t.call('bankB', 'POST', `/v1/uploads?name=b&psiSession=${s.id}`, { body: `id\n${ids.join('\n')}\n`, type: 'text/csv' }), 404, 'not_found');
    const ok = await upload(`id\n${[...ids].reverse().join('\n')}\n`);
    assert.equal(ok.status, 201, ok.text);
    // Used once: the same session binds no second upload.
    expectProblem(await upload(`id\n${ids.join('\n')}\n`, 'again'), 404, 'not_found');
  });
});
