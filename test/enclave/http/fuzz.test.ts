/**
 * Seeded hostile requests over every route and the console, from every role and none: no answer is
 * a 5xx, every error is an RFC 9457 problem with a code, and afterwards the enclave still serves,
 * still computes under encryption, has lost nothing and its audit chain verifies. Each class of
 * 5xx the fuzzer found is pinned below by one request with its exact code.
 */
import { strict as assert } from 'node:assert';
import { FuzzAnswer, FuzzTally, describeRequest, judge, runFuzz, sendFuzzRequest } from '../../../bench/fuzz-client';
import { FUZZ_OPERATIONS, FuzzRequest, FuzzTarget } from '../../../bench/fuzz-requests';
import { prepareFuzzTarget } from '../../../bench/fuzz-target';
import { FRAME_TYPE, encodeFrames } from '../../../lab/he/frames';
import { TestEnclave, seedData, startTestEnclave } from '../../helpers/enclave';

/** Another seed or count from the environment replays or widens a run; the default is what `npm test` runs. */
const SEED = Number(process.env.JOINTLAB_FUZZ_SEED ?? 20261129);
const COUNT = Number(process.env.JOINTLAB_FUZZ_COUNT ?? 2000);

describe('enclave under fuzzing', function () {
  this.timeout(900_000);
  let t: TestEnclave;
  let target: FuzzTarget;
  let dispose = () => undefined as void;

  before(async () => {
    t = await startTestEnclave();
    await seedData(t);
    ({ target, dispose } = await prepareFuzzTarget(t.enclave.url, t.tokens, t.files));
  });
  after(async () => {
    dispose();
    await t?.enclave.close();
  });

  const one = async (req: Partial<FuzzRequest> & { path: string }): Promise<FuzzAnswer> => {
    const full: FuzzRequest = { index: 0, route: 'pinned', mutations: [], method: 'GET', headers: { authorization: `Bearer ${t.tokens.bankA}` }, ...req };
    const answer = await sendFuzzRequest(new URL(t.enclave.url), full);
    assert.equal(judge(full, answer), undefined, describeRequest(full));
    return answer;
  };
  const expectCode = (a: FuzzAnswer, status: number, code: string) => {
    assert.equal(a.status, status, a.body.toString());
    assert.equal(JSON.parse(a.body.toString()).code, code);
  };
  const json = (body: string | Buffer, extra: Record<string, string> = {}) => ({
    method: 'POST',
    headers: { authorization: `Bearer ${t.tokens.bankA}`, 'content-type': 'application/json', ...extra },
    body: Buffer.from(body),
  });

  describe('the classes of 5xx fuzzing found', () => {
    it('JSON nested deeper than 32 levels -> 400 too_deep (validators overflowed the stack: RangeError)', async () => {
      expectCode(await one({ path: '/v1/jobs', ...json(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) }), 400, 'too_deep');
      expectCode(await one({ path: '/v1/score', ...json(`{"job":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`) }), 400, 'too_deep');
    });

    it('bad percent-encoding in a path id -> 400 bad_path (the router threw URIError)', async () => {
      for (const id of ['%ED%A0%80', '%', '%E0%A4%A', 'a%zz']) expectCode(await one({ path: `/v1/jobs/${id}` }), 400, 'bad_path');
      expectCode(await one({ method: 'DELETE', path: '/v1/he/sessions/%C0%AE%', headers: { authorization: `Bearer ${t.tokens.bankA}` } }), 400, 'bad_path');
    });

    it('a body that does not decode as its content-encoding -> 400 bad_content_encoding (zlib errors were 500s)', async () => {
      for (const encoding of ['gzip', 'deflate', 'br']) {
        expectCode(await one({ path: '/v1/jobs', ...json('{"name":"x"}', { 'content-encoding': encoding }) }), 400, 'bad_content_encoding');
      }
      const csv = { method: 'POST', headers: { authorization: `Bearer ${t.tokens.bankA}`, 'content-type': 'text/csv', 'content-encoding': 'gzip' }, body: Buffer.from('id\n1\n') };
      expectCode(await one({ path: '/v1/uploads?name=x', ...csv }), 400, 'bad_content_encoding');
      expectCode(await one({ path: '/v1/jobs', ...json('{}', { 'content-encoding': 'zstd-or-what' }) }), 415, 'unsupported_encoding');
    });

    it('JSON in a charset other than UTF-8 -> 415 unsupported_charset', async () => {
      expectCode(await one({ path: '/v1/jobs', ...json(Buffer.from('{"name":"x"}', 'utf16le'), { 'content-type': 'application/json; charset=utf-16le' }) }), 415, 'unsupported_charset');
    });

    it("requests Node's HTTP parser refuses get a problem too, not a bare 400", async () => {
      expectCode(await one({ path: '/v1/jobs', raw: 'bad-header', method: 'POST', body: Buffer.from('{}') }), 400, 'malformed_request');
      expectCode(await one({ path: '/v1/jobs', raw: 'bad-chunked', method: 'POST', body: Buffer.from('{}') }), 400, 'malformed_request');
      expectCode(await one({ path: `/v1/jobs?q=${'x'.repeat(70_000)}` }), 431, 'headers_too_large');
      expectCode(await one({ path: '/v1/jobs', headers: { authorization: `Bearer ${t.tokens.bankA}`, expect: 'nothing' } }), 417, 'unsupported_expectation');
    });

    it('an HE envelope whose JSON header nests 10,000 deep -> 400 bad_envelope', async () => {
      const head = `{"job":${'['.repeat(10_000)}${']'.repeat(10_000)},"sha256":[]}`;
      const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
      const body = Buffer.concat([Buffer.from('JLHE'), u32(head.length), Buffer.from(head), u32(0)]);
      expectCode(await one({ path: '/v1/he/sessions', method: 'POST', headers: { authorization: `Bearer ${t.tokens.bankA}`, 'content-type': FRAME_TYPE }, body }), 400, 'bad_envelope');
    });
  });

  describe(`${COUNT} seeded requests (seed ${SEED})`, () => {
    let tally: FuzzTally;

    it('none answered 5xx; every error is application/problem+json with a code', async () => {
      tally = await runFuzz({ url: t.enclave.url, target, seed: SEED, count: COUNT, maxSeconds: 600, concurrency: 4, sealContents: true });
      const replay = `seed ${SEED}, replay with JOINTLAB_FUZZ_SEED=${SEED} JOINTLAB_FUZZ_COUNT=${COUNT}`;
      assert.equal(tally.generated, COUNT, `${replay}: only ${tally.generated} requests in 600 s`);
      assert.ok(
        tally.failures.length === 0,
        `${replay}: ${tally.fiveXx} answers were 5xx, ${tally.failures.length} failed in all:\n${tally.failures.slice(0, 20).map((f) => `  ${f.problem}\n    ${f.request}`).join('\n')}`,
      );
    });

    it('reached every documented route and the console', () => {
      const missed = FUZZ_OPERATIONS.map((op) => `${op.method} ${op.path}`).filter((route) => !tally.byRoute[route]);
      assert.deepEqual(missed, [], `seed ${SEED}`);
      // The run went past the front door: into schemas, CSV parsing, envelopes and SEAL's own checks.
      // Groups, not single codes: which check refuses a request can depend on the order concurrent requests changed state in.
      const groups = [
        ['unauthenticated'],
        ['forbidden_role'],
        ['schema_violation', 'spec_references'],
        ['too_deep'],
        ['bad_path'],
        ['bad_envelope', 'digest_mismatch'],
        ['bad_key', 'bad_ciphertext', 'bad_ciphertext_count'],
        ['csv_ragged_row', 'csv_unterminated_quote', 'csv_field_too_long', 'csv_too_many_columns', 'csv_duplicate_column', 'csv_empty_column_name', 'csv_empty'],
      ];
      for (const codes of groups) assert.ok(codes.some((c) => tally.byCode[c] > 0), `seed ${SEED}: no request was refused with ${codes.join(' or ')}`);
      assert.ok((tally.byClass['2xx'] ?? 0) > COUNT / 20, `seed ${SEED}: too few requests succeeded to reach deep code`);
    });

    it('leaves the enclave serving, computing under encryption, with nothing lost and its audit chain verified', async () => {
      assert.equal((await t.call(null, 'GET', '/v1/health')).status, 200);
      const meta = await t.call('steward', 'GET', '/v1/datasets/platform');
      assert.equal(meta.status, 200, meta.text);
      assert.equal(meta.json().rows, 3000);
      const released = target.ids.job[0];
      const results = await t.call('bankA', 'GET', `/v1/jobs/${released}/results`);
      assert.equal(results.status, 200, results.text);
      const model = await t.call('steward', 'GET', `/v1/jobs/${released}/model?format=pmml`);
      assert.equal(model.status, 200, model.text);
      // The fuzzer may have left garbage as the scoring session's model: a valid one scores again.
      const session = target.sessions.score[0];
      const coefficients = encodeFrames({ terms: target.he.terms }, [target.he.cipher, target.he.cipher]);
      assert.equal((await t.call('bankA', 'POST', `/v1/he/sessions/${session}/model`, { body: coefficients, type: FRAME_TYPE })).status, 200);
      const he = await t.call('bankA', 'POST', `/v1/he/sessions/${session}/score`, { body: JSON.stringify({ ids: target.enterpriseIds.slice(0, 20) }), type: 'application/json' });
      assert.equal(he.status, 200, he.text);
      const audit = await t.call('steward', 'GET', '/v1/audit/verify');
      assert.equal(audit.json().ok, true, audit.text);
    });
  });
});
