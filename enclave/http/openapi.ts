/** The OpenAPI 3.1 description of the enclave API, generated from the same JSON Schemas that validate requests. */
import { jobSpecSchema } from '../../lab/spec/job-spec';
import { approveSchema, heRoundSchema, heScoreSchema, policySchema, scoreRequestSchema, principalSchema, rejectSchema, revokeSchema, scoringPolicySchema } from '../../lab/spec/requests';
import { FRAME_TYPE } from '../../lab/he/frames';
import { POINTS_TYPE } from '../../lab/psi/points';
import { psiOpenSchema } from '../../lab/spec/psi-request';

type Operation = {
  summary: string;
  roles: string[];
  body?: 'json' | 'csv' | 'frames' | 'points';
  schema?: string;
  query?: [string, boolean, string][];
  ok: number;
};

const ROUTES: Record<string, Record<string, Operation>> = {
  '/v1/health': { get: { summary: 'liveness and schema version', roles: [], ok: 200 } },
  '/v1/openapi.json': { get: { summary: 'this document', roles: [], ok: 200 } },
  '/v1/whoami': { get: { summary: 'the principal behind the token', roles: ['any'], ok: 200 } },
  '/v1/principals': { post: { summary: 'add a principal; the token is shown once', roles: ['admin'], body: 'json', schema: 'NewPrincipal', ok: 201 } },
  '/v1/datasets': {
    get: { summary: 'list datasets with schema and policy', roles: ['bank', 'steward', 'researcher', 'admin'], ok: 200 },
    post: {
      summary: 'import a platform table, streamed (the body is read in pieces, never held whole; at most the enclave\'s --import-max-rows rows, 10,000,000 by default); a bad row anywhere stores nothing; importing an existing name adds a snapshot (same id column, columns and types; policy and k kept)',
      roles: ['steward'],
      body: 'csv',
      query: [
        ['name', true, 'dataset name'],
        ['idColumn', true, 'enterprise id column'],
        ['k', false, 'minimum rows behind every released figure (default 10); a new snapshot keeps the dataset\'s'],
        ['sensitive', false, 'comma-separated sensitive columns'],
        ['forbidden', false, 'comma-separated forbidden columns'],
        ['label', false, 'comma-separated label columns'],
      ],
      ok: 201,
    },
  },
  '/v1/datasets/{name}': { get: { summary: 'schema, policy and k-safe aggregates', roles: ['bank', 'steward', 'researcher', 'admin'], ok: 200 } },
  '/v1/datasets/{name}/snapshots': { get: { summary: "the dataset's snapshots (version, import date, k-safe row count), oldest first; jobs use the latest", roles: ['bank', 'steward', 'researcher', 'admin'], ok: 200 } },
  '/v1/datasets/{name}/usage': {
    get: {
      summary: "how each column was used (jobs, banks, IV, share of the joint models' lift), for data providers; counts under k and figures behind fewer than two banks left out",
      roles: ['steward'],
      query: [['from', false, 'first day (YYYY-MM-DD)'], ['to', false, 'day after the period (YYYY-MM-DD)'], ['format', false, 'json (default) or html']],
      ok: 200,
    },
  },
  '/v1/datasets/{name}/policy': { put: { summary: 'set column policies and k', roles: ['steward'], body: 'json', schema: 'Policy', ok: 200 } },
  '/v1/uploads': {
    get: { summary: "list uploads (a bank: its organization's)", roles: ['bank', 'steward'], ok: 200 },
    post: {
      summary: "upload the bank's own table",
      roles: ['bank'],
      body: 'csv',
      query: [
        ['name', true, 'upload name'],
        ['idColumn', false, 'enterprise id column (default id)'],
        ['psiSession', false, 'a matched PSI session: the rows must be exactly its intersection'],
        ['network', false, '1: open the upload to network jobs from the hub at once'],
      ],
      ok: 201,
    },
  },
  '/v1/uploads/{id}': {
    get: { summary: 'upload metadata', roles: ['bank', 'steward'], ok: 200 },
    delete: { summary: 'delete an upload and its rows', roles: ['bank'], ok: 204 },
  },
  '/v1/uploads/{id}/network': { post: { summary: 'open the upload to network jobs (a network job from the hub joins only uploads their owner opened)', roles: ['bank'], ok: 200 } },
  '/v1/network-peers': {
    get: { summary: "this enclave's own identity key and the other network members' keys its steward pinned, with fingerprints", roles: ['steward'], ok: 200 },
    post: { summary: "pin another member's X25519 identity key (province, publicKey): network jobs whose roster lists any other key are refused", roles: ['steward'], body: 'json', ok: 201 },
  },
  '/v1/uploads/{id}/ids': { get: { summary: "the upload's enterprise ids in row order, for the bank that uploaded them (to pair labels by id)", roles: ['bank'], ok: 200 } },
  '/v1/psi/sessions': {
    post: { summary: "open a PSI session on a dataset for the bank's announced number of ids (charged to its daily PSI budget); answers the hashing nonce and chunking", roles: ['bank'], body: 'json', schema: 'PsiOpen', ok: 201 },
  },
  '/v1/psi/sessions/{id}': {
    get: { summary: 'session state, sizes and the daily PSI budget', roles: ['bank'], ok: 200 },
    delete: { summary: "close the session: the enclave's scalar and the blinded points are dropped", roles: ['bank'], ok: 204 },
  },
  '/v1/psi/sessions/{id}/points/{chunk}': { post: { summary: "one chunk of the bank's blinded ids H(y)^b (32-byte X25519 points); answers them blinded again, in the same order", roles: ['bank'], body: 'points', ok: 200 } },
  '/v1/psi/sessions/{id}/platform/{chunk}': {
    get: { summary: "one chunk of the dataset's ids, hashed, shuffled and blinded under the session's scalar", roles: ['bank'], ok: 200 },
    post: { summary: 'the same chunk blinded again by the bank, once all its own chunks are sent', roles: ['bank'], body: 'points', ok: 204 },
  },
  '/v1/psi/sessions/{id}/finish': { post: { summary: "match the two sets: answers the intersection's size; the scalar and the bank's points are dropped", roles: ['bank'], ok: 200 } },
  '/v1/jobs': {
    get: { summary: "list jobs (a bank: its organization's)", roles: ['bank', 'steward'], query: [['state', false, 'filter by state']], ok: 200 },
    post: { summary: 'submit a model spec', roles: ['bank'], body: 'json', schema: 'JobSpec', ok: 201 },
  },
  '/v1/privacy/budget': { get: { summary: "a bank's differential-privacy budget: total, spent, remaining (stewards name the org)", roles: ['bank', 'steward'], query: [['org', false, 'stewards: the bank organization']], ok: 200 } },
  '/v1/jobs/{id}': { get: { summary: 'job state and progress', roles: ['bank', 'steward'], ok: 200 } },
  '/v1/jobs/{id}/approve': { post: { summary: 'approve a job', roles: ['steward'], body: 'json', schema: 'Approve', ok: 200 } },
  '/v1/jobs/{id}/reject': { post: { summary: 'reject a job with a reason', roles: ['steward'], body: 'json', schema: 'Reject', ok: 200 } },
  '/v1/jobs/{id}/cancel': { post: { summary: 'cancel an approved or running job', roles: ['bank', 'steward'], ok: 200 } },
  '/v1/jobs/{id}/results': { get: { summary: 'released outputs and withheld parts with reasons', roles: ['bank', 'steward'], ok: 200 } },
  '/v1/jobs/{id}/report': { get: { summary: 'the model report: self-contained HTML with SVG charts of the released figures', roles: ['bank', 'steward'], query: [['compare', false, 'a job to compare with, or "none"; default: the bank-only job on the same upload and label']], ok: 200 } },
  '/v1/jobs/{id}/applicants': {
    post: { summary: "full scores of applicants with a joint LR or scorecard: the bank's own features in (CSV, kept nowhere), bank part + platform part out, under the platform part's consent, rule, budget and noise", roles: ['bank'], body: 'csv', query: [['idColumn', false, 'id column of the CSV (default id)']], ok: 200 },
  },
  '/v1/jobs/{id}/model': { get: { summary: 'the released model as a file: its own JSON, or PMML 4.4 (lr, scorecard, gbdt)', roles: ['bank', 'steward'], query: [['format', false, 'json (default) or pmml']], ok: 200 } },
  '/v1/consents': { post: { summary: 'import consent records (enterprise_id, bank, purpose, granted, expires)', roles: ['steward'], body: 'csv', ok: 201 } },
  '/v1/consents/counts': { get: { summary: 'consents per bank and purpose by status (in force, revoked, expired, pending), counts under k suppressed', roles: ['steward'], ok: 200 } },
  '/v1/consents/revoke': { post: { summary: "revoke an enterprise's consents for a bank (one purpose or all)", roles: ['steward'], body: 'json', schema: 'Revoke', ok: 200 } },
  '/v1/scoring/policy/{dataset}': {
    get: { summary: "a dataset's scoring policy: model budget (models per enterprise and bank in a window) and score noise", roles: ['bank', 'steward'], ok: 200 },
    put: { summary: 'set the scoring policy of a dataset', roles: ['steward'], body: 'json', schema: 'ScoringPolicy', ok: 200 },
  },
  '/v1/scoring/budget/{dataset}': { get: { summary: 'model-budget use per bank: enterprises by number of models that scored them (a bank: its own, counts under k suppressed)', roles: ['bank', 'steward'], query: [['bank', false, 'stewards: one bank organization']], ok: 200 } },
  '/v1/score': {
    post: {
      summary:
        'score named enterprises with a released model; only those with scoring consent, the rest refused by id. A platform-only model answers whole scores; a joint logistic regression or scorecard answers, with "part": "platform", the platform features\' part (log-odds or points, no intercept or base points) to which the bank adds its own part',
      roles: ['bank'],
      body: 'json',
      schema: 'PlainScore',
      ok: 200,
    },
  },
  '/v1/he/sessions': { post: { summary: 'open an HE session on an approved HE job: public and Galois keys in a binary envelope (a training may send empty blobs and its keys with the labels)', roles: ['bank'], body: 'frames', ok: 201 } },
  '/v1/he/sessions/{id}': {
    get: { summary: 'session parameters, rotation steps, design or score statistics', roles: ['bank'], ok: 200 },
    delete: {
      summary: 'close the session: keys deleted, job finished (or failed, when the client reports why it stopped)',
      roles: ['bank'],
      query: [['failed', false, "the error code that stopped the bank's client: the job is marked failed with it"]],
      ok: 204,
    },
  },
  '/v1/he/sessions/{id}/labels': { post: { summary: 'encrypted labels in upload order (encrypted-label training): relinearization keys, the public and Galois keys the opening lacked, then the labels', roles: ['bank'], body: 'frames', ok: 200 } },
  '/v1/he/sessions/{id}/rounds': { post: { summary: 'one Newton round at the given weights (or the mean of `average` of them, charged as many); answers the encrypted new weights', roles: ['bank'], body: 'json', schema: 'Round', ok: 200 } },
  '/v1/he/sessions/{id}/model': { post: { summary: 'encrypted model coefficients and their plaintext terms (private scoring)', roles: ['bank'], body: 'frames', ok: 200 } },
  '/v1/he/sessions/{id}/score': { post: { summary: 'encrypted scores of the consented enterprises among the ids; the others refused by id', roles: ['bank'], body: 'json', schema: 'ScoreRequest', ok: 200 } },
  '/v1/audit': { get: { summary: 'latest audit entries', roles: ['steward', 'admin'], query: [['limit', false, '1-1000, default 20']], ok: 200 } },
  '/v1/audit/verify': { get: { summary: 'verify the hash chain', roles: ['steward', 'admin'], ok: 200 } },
};

/** JSON Schema keywords OpenAPI 3.1 takes as they are; `$id` is dropped since components are named by key. */
function component(schema: object): object {
  const { $id: _id, ...rest } = schema as Record<string, unknown>;
  return rest;
}

export function openApiDocument(version: string): object {
  const problem = { description: 'error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  const paths: Record<string, Record<string, object>> = {};
  for (const [path, ops] of Object.entries(ROUTES)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(ops)) {
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      const queryParams = (op.query ?? []).map(([name, required, description]) => ({ name, in: 'query', required, description, schema: { type: 'string' } }));
      paths[path][method] = {
        summary: op.summary,
        description: op.roles.length ? `Roles: ${op.roles.join(', ')}.` : 'No token needed.',
        ...(op.roles.length ? { security: [{ bearer: [] }] } : { security: [] }),
        parameters: [...pathParams, ...queryParams],
        ...(op.body
          ? {
              requestBody: {
                required: true,
                content:
                  op.body === 'csv'
                    ? { 'text/csv': { schema: { type: 'string' } } }
                    : op.body === 'frames'
                      ? { [FRAME_TYPE]: { schema: { type: 'string', format: 'binary' } } }
                      : op.body === 'points'
                        ? { [POINTS_TYPE]: { schema: { type: 'string', format: 'binary', description: '32-byte X25519 u-coordinates, back to back' } } }
                        : { 'application/json': { schema: { $ref: `#/components/schemas/${op.schema}` } } },
              },
            }
          : {}),
        responses: { [String(op.ok)]: { description: 'success' }, '4XX': problem, '5XX': problem },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'jointlab enclave', version, description: 'Platform data stays in the enclave; only checked aggregates leave.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        JobSpec: component(jobSpecSchema),
        Approve: component(approveSchema),
        Reject: component(rejectSchema),
        Policy: component(policySchema),
        NewPrincipal: component(principalSchema),
        Round: component(heRoundSchema),
        Revoke: component(revokeSchema),
        PlainScore: component(scoreRequestSchema),
        ScoringPolicy: component(scoringPolicySchema),
        ScoreRequest: component(heScoreSchema),
        PsiOpen: component(psiOpenSchema),
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string' },
            detail: { type: 'string' },
            problems: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
    paths,
  };
}

export const DOCUMENTED_ROUTES = ROUTES;
