/** Every route with every role: the status each principal gets, and no body carrying an enterprise id. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { DOCUMENTED_ROUTES } from '../../../enclave/http/openapi';
import { TestEnclave, Who, csvOf, jointSpec, seedData, startTestEnclave, waitForJob } from '../../helpers/enclave';

const ROLES: Who[] = ['admin', 'steward', 'researcher', 'bankA', 'bankB'];

describe('enclave routes by role', function () {
  this.timeout(120_000);
  let t: TestEnclave;
  let uploadId: string;
  let jobId: string;
  let otherJobId: string;
  const bodies: string[] = [];
  let counter = 0;

  before(async () => {
    t = await startTestEnclave();
    ({ uploadId } = await seedData(t));
    jobId = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec() })).id;
    otherJobId = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec('lr') })).id;
    await t.client('steward').request('POST', `v1/jobs/${jobId}/approve`, { json: { allowSensitive: [] } });
    assert.equal(await waitForJob(t, jobId), 'released');
  });
  after(() => t.enclave.close());

  /** Paths name objects by placeholder: {job}, {otherJob}, {upload}, and {n} for a fresh name per call. */
  type Case = { method: string; path: string; body?: () => { body: string | Buffer; type: string }; expect: Partial<Record<Who, number>> };
  const resolve = (path: string): string =>
    path.replace('{job}', jobId).replace('{otherJob}', otherJobId).replace('{upload}', uploadId).replace('{n}', `n${++counter}`);
  const csv = () => ({ body: csvOf(t.files.bank), type: 'text/csv' });
  const json = (value: unknown) => () => ({ body: JSON.stringify(value), type: 'application/json' });
  const cases: Case[] = [
    { method: 'GET', path: '/v1/whoami', expect: { admin: 200, steward: 200, researcher: 200, bankA: 200, bankB: 200 } },
    { method: 'POST', path: '/v1/principals', body: json({ name: 'x', role: 'bank', org: 'bank-c' }), expect: { admin: 201, steward: 403, researcher: 403, bankA: 403, bankB: 403 } },
    { method: 'GET', path: '/v1/datasets', expect: { admin: 200, steward: 200, researcher: 200, bankA: 200, bankB: 200 } },
    {
      method: 'POST',
      path: '/v1/datasets?idColumn=id&name={n}',
      body: () => ({ body: readFileSync(t.files.platform), type: 'text/csv' }),
      expect: { admin: 403, steward: 201, researcher: 403, bankA: 403, bankB: 403 },
    },
    { method: 'GET', path: '/v1/datasets/platform', expect: { admin: 200, steward: 200, researcher: 200, bankA: 200, bankB: 200 } },
    { method: 'PUT', path: '/v1/datasets/platform/policy', body: json({ k: 10 }), expect: { admin: 403, steward: 200, researcher: 403, bankA: 403, bankB: 403 } },
    { method: 'POST', path: '/v1/uploads?name={n}', body: csv, expect: { admin: 403, steward: 403, researcher: 403, bankA: 201, bankB: 201 } },
    { method: 'GET', path: '/v1/uploads', expect: { admin: 403, steward: 200, researcher: 403, bankA: 200, bankB: 200 } },
    { method: 'GET', path: '/v1/uploads/{upload}', expect: { admin: 403, steward: 200, researcher: 403, bankA: 200, bankB: 404 } },
    { method: 'DELETE', path: '/v1/uploads/{upload}', expect: { admin: 403, steward: 403, researcher: 403, bankB: 404 } },
    { method: 'POST', path: '/v1/jobs', body: json(jointSpec()), expect: { admin: 403, steward: 403, researcher: 403, bankA: 201, bankB: 422 } },
    { method: 'GET', path: '/v1/jobs', expect: { admin: 403, steward: 200, researcher: 403, bankA: 200, bankB: 200 } },
    { method: 'GET', path: '/v1/jobs/{job}', expect: { admin: 403, steward: 200, researcher: 403, bankA: 200, bankB: 404 } },
    { method: 'POST', path: '/v1/jobs/{job}/approve', body: json({}), expect: { admin: 403, researcher: 403, bankA: 403, bankB: 403 } },
    { method: 'POST', path: '/v1/jobs/{otherJob}/reject', body: json({ reason: 'r' }), expect: { admin: 403, researcher: 403, bankA: 403, bankB: 403 } },
    { method: 'POST', path: '/v1/jobs/{otherJob}/cancel', expect: { admin: 403, researcher: 403, bankA: 409, bankB: 404 } },
    { method: 'GET', path: '/v1/jobs/{job}/results', expect: { admin: 403, steward: 200, researcher: 403, bankA: 200, bankB: 404 } },
    { method: 'GET', path: '/v1/jobs/{job}/report', expect: { admin: 403, steward: 200, researcher: 403, bankA: 200, bankB: 404 } },
    { method: 'GET', path: '/v1/jobs/{job}/model?format=pmml', expect: { admin: 403, steward: 200, researcher: 403, bankA: 200, bankB: 404 } },
    { method: 'GET', path: '/v1/jobs/{job}/model?format=xls', expect: { steward: 400, bankA: 400 } },
    { method: 'GET', path: '/v1/jobs/{otherJob}/model', expect: { steward: 409, bankA: 409, bankB: 404 } },
    { method: 'POST', path: '/v1/consents', body: () => ({ body: readFileSync(t.files.consent), type: 'text/csv' }), expect: { admin: 403, steward: 201, researcher: 403, bankA: 403, bankB: 403 } },
    { method: 'POST', path: '/v1/score', body: () => json({ job: jobId, ids: ['x'] })(), expect: { admin: 403, steward: 403, researcher: 403, bankA: 422, bankB: 404 } },
    { method: 'GET', path: '/v1/consents/counts', expect: { admin: 403, steward: 200, researcher: 403, bankA: 403, bankB: 403 } },
    { method: 'POST', path: '/v1/consents/revoke', body: json({ enterprise: 'x', bank: 'bank-a' }), expect: { admin: 403, steward: 200, researcher: 403, bankA: 403, bankB: 403 } },
    { method: 'GET', path: '/v1/he/sessions/he_nope', expect: { admin: 403, steward: 403, researcher: 403, bankA: 404, bankB: 404 } },
    { method: 'POST', path: '/v1/he/sessions/he_nope/score', body: json({ ids: ['x'] }), expect: { admin: 403, steward: 403, researcher: 403, bankA: 404, bankB: 404 } },
    { method: 'GET', path: '/v1/audit', expect: { admin: 200, steward: 200, researcher: 403, bankA: 403, bankB: 403 } },
    { method: 'GET', path: '/v1/audit/verify', expect: { admin: 200, steward: 200, researcher: 403, bankA: 403, bankB: 403 } },
  ];

  for (const c of cases) {
    for (const who of ROLES) {
      const expected = c.expect[who];
      if (expected === undefined) continue;
      it(`${c.method} ${c.path} as ${who} -> ${expected}`, async () => {
        const path = resolve(c.path);
        const r = await t.call(who, c.method, path, c.body?.());
        bodies.push(r.text);
        assert.equal(r.status, expected, `${c.method} ${path} as ${who}: ${r.text.slice(0, 200)}`);
      });
    }
  }

  it('answers 401 without a token or with an unknown one on every documented /v1 route that needs one', async () => {
    for (const [path, ops] of Object.entries(DOCUMENTED_ROUTES)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.roles.length === 0) continue;
        const concrete = path.replace('{name}', 'platform').replace('{id}', jobId);
        const none = await t.call(null, method.toUpperCase(), concrete);
        assert.equal(none.status, 401, `${method} ${path} without a token`);
        assert.equal(none.headers.get('www-authenticate'), 'Bearer');
        const res = await fetch(`${t.enclave.url}${concrete}`, { method: method.toUpperCase(), headers: { authorization: 'Bearer jl_forged' } });
        assert.equal(res.status, 401, `${method} ${path} with a forged token`);
      }
    }
  });

  it('serves every route the OpenAPI document describes', async () => {
    for (const [path, ops] of Object.entries(DOCUMENTED_ROUTES)) {
      for (const method of Object.keys(ops)) {
        const r = await t.call('admin', method.toUpperCase(), path.replace('{name}', 'platform').replace('{id}', 'nope'));
        assert.notEqual(r.status === 404 && r.json().code, 'no_route', `${method} ${path} is documented but not served`);
      }
    }
    const doc = (await t.call(null, 'GET', '/v1/openapi.json')).json();
    assert.deepEqual(Object.keys(doc.paths).sort(), Object.keys(DOCUMENTED_ROUTES).sort());
  });

  it("lists only a bank's own jobs and uploads", async () => {
    const jobsB = (await t.call('bankB', 'GET', '/v1/jobs')).json().jobs;
    assert.ok(jobsB.every((j: { org: string }) => j.org === 'bank-b'));
    const uploadsB = (await t.call('bankB', 'GET', '/v1/uploads')).json().uploads;
    assert.ok(uploadsB.length > 0 && uploadsB.every((u: { org: string }) => u.org === 'bank-b'));
    const jobA = (await t.call('bankA', 'GET', `/v1/jobs/${jobId}`)).json();
    assert.equal(jobA.flags, undefined, "risk flags describe platform data and are the steward's");
    assert.ok(Array.isArray((await t.call('steward', 'GET', `/v1/jobs/${jobId}`)).json().flags));
  });

  it('never returns an enterprise id or a platform row in any body', async () => {
    const ids = new Set(readFileSync(t.files.platform, 'utf8').split('\n').slice(1).map((l) => l.split(',')[0]).filter(Boolean));
    const rows = readFileSync(t.files.platform, 'utf8').split('\n').slice(1, 200).filter(Boolean);
    for (const body of bodies) {
      for (const candidate of body.match(/[0-9A-Z]{18}/g) ?? []) assert.ok(!ids.has(candidate), 'an enterprise id left the enclave');
      for (const row of rows) assert.ok(!body.includes(row.slice(19)), 'a platform row left the enclave');
    }
    assert.ok(bodies.length > 50);
  });

  it('serves the console page and its scripts without a token, under a policy that allows only the enclave', async () => {
    const bare = await fetch(`${t.enclave.url}/console`, { redirect: 'manual' });
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/console/');
    const page = await t.call(null, 'GET', '/console/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.text, /<script type="module" src="\/console\/js\/app.js">/);
    const policy = page.headers.get('content-security-policy') ?? '';
    assert.match(policy, /script-src 'self'/);
    assert.match(policy, /frame-ancestors 'none'/);
    const script = await t.call(null, 'GET', '/console/js/app.js');
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await t.call(null, 'GET', '/console/style.css')).status, 200);
    const missing = await t.call(null, 'GET', '/console/js/nope.js');
    assert.equal(missing.status, 404);
    assert.equal(missing.json().code, 'no_route');
  });

  it('lets a bank delete its own upload, after which it is gone', async () => {
    const extra = await t.client('bankA').request<{ id: string }>('POST', 'v1/uploads', { csv: csvOf(t.files.bank), query: { name: 'to-delete' } });
    assert.equal((await t.call('bankA', 'DELETE', `/v1/uploads/${extra.id}`)).status, 204);
    assert.equal((await t.call('bankA', 'GET', `/v1/uploads/${extra.id}`)).status, 404);
    const left = await t.enclave.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM upload_rows WHERE upload = ?', [extra.id]);
    assert.equal(left?.n, 0);
  });
});
