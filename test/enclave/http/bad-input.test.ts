/** Hostile and broken requests get a clear 4xx with a stable code, never echo data, and never stop the service or lose what is stored. */
import { strict as assert } from 'node:assert';
import { csvOf, jointSpec, useSeededEnclave } from '../../helpers/enclave';

describe('enclave bad input', function () {
  this.timeout(120_000);
  const t = useSeededEnclave();

  afterEach(async () => {
    // After every hostile request: still serving, and nothing stored was lost.
    assert.equal((await t.call(null, 'GET', '/v1/health')).status, 200);
    const meta = (await t.call('steward', 'GET', '/v1/datasets/platform')).json();
    assert.equal(meta.rows, 3000);
    assert.equal((await t.call('steward', 'GET', '/v1/audit/verify')).json().ok, true);
  });

  const expectProblem = (r: { status: number; text: string; headers: Headers }, status: number, code: string): Record<string, any> => {
    assert.equal(r.status, status, r.text);
    assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/);
    const body = JSON.parse(r.text);
    assert.equal(body.code, code);
    assert.equal(body.status, status);
    return body;
  };

  it('malformed JSON -> 400 malformed_json', async () => {
    expectProblem(await t.call('bankA', 'POST', '/v1/jobs', { body: '{"name": ', type: 'application/json' }), 400, 'malformed_json');
  });

  it('wrong content type -> 415', async () => {
    expectProblem(await t.call('bankA', 'POST', '/v1/jobs', { body: 'name=x', type: 'application/x-www-form-urlencoded' }), 415, 'wrong_content_type');
    expectProblem(await t.call('bankA', 'POST', '/v1/uploads?name=x', { body: '{}', type: 'application/json' }), 415, 'wrong_content_type');
  });

  it('bodies over the limit -> 413', async () => {
    const huge = JSON.stringify({ name: 'x', purpose: 'y'.repeat(2_000_000) });
    expectProblem(await t.call('bankA', 'POST', '/v1/jobs', { body: huge, type: 'application/json' }), 413, 'body_too_large');
  });

  it('schema violations -> 400 with a JSON pointer per problem', async () => {
    const body = expectProblem(
      await t.call('bankA', 'POST', '/v1/jobs', { body: JSON.stringify({ ...jointSpec(), model: { family: 'xgboost' }, extra: 1 }), type: 'application/json' }),
      400,
      'schema_violation',
    );
    const pointers = body.problems.map((p: { pointer: string }) => p.pointer).sort();
    assert.deepEqual(pointers, ['/extra', '/model/family']);
  });

  it('unknown, forbidden and id columns, and a bad hyper-parameter -> 422 with pointers', async () => {
    const spec = jointSpec('lr', { model: { family: 'lr', params: { l3: 1 } } });
    spec.platform.columns = ['tax_grade', 'no_such_column', 'shareholder_changes_3y'];
    spec.bank.columns = ['loan_amount_10k', 'default_12m'];
    const body = expectProblem(await t.call('bankA', 'POST', '/v1/jobs', { body: JSON.stringify(spec), type: 'application/json' }), 422, 'spec_references');
    assert.deepEqual(
      body.problems.map((p: { pointer: string; message: string }) => `${p.pointer} ${p.message}`),
      [
        '/bank/columns/1 is the label and cannot also be a feature',
        '/platform/columns/1 "no_such_column" is not a column of the dataset',
        "/platform/columns/2 is forbidden by the dataset's policy",
        '/model/params/l3 unknown hyper-parameter "l3"; known: l2, maxIterations, minLevelCount',
      ],
    );
  });

  it('hostile CSVs: ragged rows, huge fields, unterminated quotes, non-UTF-8 -> 4xx without echoing cells', async () => {
    const secret = 'SECRET-CELL-VALUE';
    const cases: [string | Buffer, string][] = [
      [`id,y,x\n1,0,${secret}\n2,1\n`, 'csv_ragged_row'],
      [`id,y,x\n1,0,${'A'.repeat(10_000)}\n`, 'csv_field_too_long'],
      [`id,y,x\n1,0,"${secret}\n`, 'csv_unterminated_quote'],
      [Buffer.concat([Buffer.from('id,y,x\n1,0,'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('\n')]), 'csv_not_utf8'],
      [`id,y,x\n1,0,1\n1,1,2\n`, 'duplicate_id'],
      [`id,y,x;drop table uploads\n1,0,1\n`, 'bad_column_name'],
      ['', 'csv_empty'],
    ];
    for (const [body, code] of cases) {
      const r = await t.call('bankA', 'POST', '/v1/uploads?name=hostile', { body, type: 'text/csv' });
      const problem = expectProblem(r, 422, code);
      assert.ok(!r.text.includes(secret), `${code} echoed a cell`);
      assert.ok(!JSON.stringify(problem).includes('AAAAAAAAAA'));
    }
  });

  it('formula-like cells are stored as data and never evaluated or returned', async () => {
    // Each formula is unique, so as a category level it stands for one row and is never shown.
    const rows = Array.from({ length: 40 }, (_, i) => `E${i},${i % 2},"=HYPERLINK(""http://x/${i}"")",${i}`).join('\n');
    const r = await t.call('steward', 'POST', '/v1/datasets?name=formulas&idColumn=id', { body: `id,y,f,x\n${rows}\n`, type: 'text/csv' });
    assert.equal(r.status, 201, r.text);
    const shown = await t.call('bankA', 'GET', '/v1/datasets/formulas');
    assert.equal(shown.status, 200);
    assert.ok(!shown.text.includes('HYPERLINK'), 'a level standing for fewer than k rows was shown');
  });

  it('SQL metacharacters in names are data, not SQL', async () => {
    const nasty = "x'; DROP TABLE jobs; --";
    const r = await t.call('steward', 'GET', `/v1/datasets/${encodeURIComponent(nasty)}`);
    expectProblem(r, 404, 'not_found');
    expectProblem(await t.call('bankA', 'POST', `/v1/uploads?name=${encodeURIComponent(nasty)}`, { body: csvOf(t.files.bank), type: 'text/csv' }), 400, 'bad_name');
    const spec = { ...jointSpec(), bank: { upload: "customers' OR '1'='1" } };
    expectProblem(await t.call('bankA', 'POST', '/v1/jobs', { body: JSON.stringify(spec), type: 'application/json' }), 400, 'schema_violation');
    assert.equal((await t.call('steward', 'GET', '/v1/jobs')).status, 200);
  });

  it('unknown routes -> 404 problem, bad query values -> 400', async () => {
    expectProblem(await t.call(null, 'GET', '/nope'), 404, 'no_route');
    expectProblem(await t.call('steward', 'GET', '/v1/jobs?state=exploded'), 400, 'bad_state');
    expectProblem(await t.call('steward', 'GET', '/v1/audit?limit=1e9'), 400, 'bad_limit');
    expectProblem(await t.call('steward', 'POST', '/v1/datasets?name=z&idColumn=id&k=abc', { body: 'id,x\n1,2\n', type: 'text/csv' }), 400, 'bad_k');
  });

  it('HE, scoring and consent bodies are checked by their schemas: a 400 with a pointer per problem, before anything is looked up', async () => {
    const post = (who: 'bankA' | 'steward', method: string, path: string, body: unknown) => t.call(who, method, path, { body: JSON.stringify(body), type: 'application/json' });
    const pointers = (body: Record<string, any>) => body.problems.map((p: { pointer: string }) => p.pointer).sort();
    assert.deepEqual(pointers(expectProblem(await post('bankA', 'POST', '/v1/score', { job: 1, ids: ['a', ''] }), 400, 'schema_violation')), ['/ids/1', '/job']);
    assert.deepEqual(pointers(expectProblem(await post('bankA', 'POST', '/v1/he/sessions/he_nope/rounds', { weights: [0, 'x'] }), 400, 'schema_violation')), ['/weights/1']);
    assert.deepEqual(pointers(expectProblem(await post('bankA', 'POST', '/v1/he/sessions/he_nope/score', { ids: 'a', more: 1 }), 400, 'schema_violation')), ['/ids', '/more']);
    const revoke = expectProblem(await post('steward', 'POST', '/v1/consents/revoke', { enterprise: 'x', bank: 'bank-a', purpose: 'marketing' }), 400, 'schema_violation');
    assert.deepEqual(revoke.problems, [{ pointer: '/purpose', message: 'must be one of training, scoring, report' }]);
    // The scoring policy's ranges keep the code they have always had.
    assert.deepEqual(pointers(expectProblem(await post('steward', 'PUT', '/v1/scoring/policy/platform', { noiseSwap: 2, windowDays: 1.5, other: 1 }), 400, 'bad_scoring_policy')), ['/noiseSwap', '/other', '/windowDays']);
  });
});
