/**
 * The job view's fast path (enclave/http/job-view-fast.ts) answers exactly what the express route
 * answers, and every refusal (no token, unknown token, wrong role, another bank's job, no such job)
 * still comes from express with its status and code.
 */
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { jointSpec, seedData, startTestEnclave, TestEnclave } from '../../helpers/enclave';

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** `viaExpress`: a `content-length: 0` header, which the fast path leaves to express. */
function get(base: string, path: string, token?: string, viaExpress = false): Promise<Answer> {
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(viaExpress ? { 'content-length': '0' } : {}) };
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('job view fast path', function () {
  this.timeout(120_000);
  const lines: string[] = [];
  let t: TestEnclave;
  let job: string;
  before(async () => {
    t = await startTestEnclave({ log: (line) => lines.push(line) });
    await seedData(t);
    job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec('lr') })).id;
  });
  after(() => t?.enclave.close());

  it('answers as express does, for every principal and job, and logs the request', async () => {
    const cases: [string, string | undefined][] = [
      [`/v1/jobs/${job}`, t.tokens.bankA],
      [`/v1/jobs/${job}`, t.tokens.steward],
      [`/v1/jobs/${job}`, t.tokens.bankB],
      [`/v1/jobs/${job}`, t.tokens.researcher],
      [`/v1/jobs/${job}`, t.tokens.admin],
      [`/v1/jobs/${job}`, undefined],
      [`/v1/jobs/${job}`, 'not-a-token'],
      ['/v1/jobs/job_nope', t.tokens.bankA],
      [`/v1/jobs/${job}?x=1`, t.tokens.bankA],
    ];
    // Twice: the first request of a token goes through express (which remembers the principal), the second may take the fast path.
    for (let round = 0; round < 2; round++) {
      for (const [path, token] of cases) {
        const [fast, reference] = [await get(t.enclave.url, path, token), await get(t.enclave.url, path, token, true)];
        assert.equal(fast.status, reference.status, path);
        assert.equal(fast.body, reference.body, path);
        assert.equal(fast.headers['content-type'], reference.headers['content-type']);
        assert.equal(fast.headers['content-length'], reference.headers['content-length']);
      }
    }
    const bank = await get(t.enclave.url, `/v1/jobs/${job}`, t.tokens.bankA);
    assert.equal(bank.status, 200);
    assert.equal(JSON.parse(bank.body).id, job);
    assert.equal(JSON.parse(bank.body).flags, undefined, 'banks get no risk flags');
    assert.ok(JSON.parse((await get(t.enclave.url, `/v1/jobs/${job}`, t.tokens.steward)).body).flags, 'stewards do');
    assert.equal((await get(t.enclave.url, `/v1/jobs/${job}`, t.tokens.bankB)).status, 404);
    assert.ok(lines.some((l) => l.startsWith(`GET /v1/jobs/${job} 200 `)));
    assert.ok(lines.some((l) => l.startsWith(`GET /v1/jobs/${job} 404 `)));
  });

  it('shows a change to the job at once', async () => {
    await get(t.enclave.url, `/v1/jobs/${job}`, t.tokens.bankA);
    await t.client('steward').request('POST', `v1/jobs/${job}/reject`, { json: { reason: 'not now' } });
    assert.equal(JSON.parse((await get(t.enclave.url, `/v1/jobs/${job}`, t.tokens.bankA)).body).state, 'rejected');
  });
});
