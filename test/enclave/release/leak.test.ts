/**
 * The leak suite: canary enterprises with unique feature values are planted in the platform's data;
 * hostile but schema-valid specs and requests are run; every response body and header (model
 * reports and PMML exports included), every log line of the enclave, and every file the CLI exports
 * are scanned for the canaries' values and for the codes of enterprises without consent. (A refusal may name an id the request itself sent: that
 * tells the bank nothing new. Anything else is a leak.)
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addPrincipal } from '../../../enclave/auth/principals';
import { RunningEnclave, startEnclave } from '../../../enclave/service';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { generateUscc } from '../../../lab/synth/uscc';
import { writeSynth } from '../../../lab/synth/write';
import { Random } from '../../../models/random';
import { runCli, tempDir } from '../../helpers/cli';

/** Feature values no real row has, in the columns a spec is most likely to touch. */
const CANARY_VALUES = [
  { vat_paid_12m_10k: '987654.321', electricity_kwh_12m: '13579246', years_established: '81.937' },
  { vat_paid_12m_10k: '123456.789', electricity_kwh_12m: '24680135', years_established: '69.428' },
  { vat_paid_12m_10k: '555444.333', electricity_kwh_12m: '97531864', years_established: '57.319' },
];

describe('leak suite', function () {
  this.timeout(300_000);
  const dir = tempDir('jointlab-leak-');
  const logs: string[] = [];
  const seen: { source: string; text: string; sent: string[] }[] = [];
  let enclave: RunningEnclave;
  let tokens: { steward: string; bank: string };
  let canaryIds: string[];
  let nonConsented: string[];
  let files: { platform: string; bank: string; consent: string };

  async function call(who: 'steward' | 'bank', method: string, path: string, body?: { json?: unknown; csv?: string | Buffer }): Promise<{ status: number; json: () => any }> {
    const headers: Record<string, string> = { authorization: `Bearer ${tokens[who]}` };
    let payload: string | Buffer | undefined;
    if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body?.csv !== undefined) {
      headers['content-type'] = 'text/csv';
      payload = body.csv;
    }
    const res = await fetch(`${enclave.url}${path}`, { method, headers, body: payload });
    const text = await res.text();
    const sent = ((body?.json as { ids?: string[] } | undefined)?.ids ?? []).slice();
    seen.push({ source: `${method} ${path} -> ${res.status}`, text: `${JSON.stringify([...res.headers.entries()])}\n${text}`, sent });
    return { status: res.status, json: () => JSON.parse(text) };
  }

  before(async () => {
    ({ files } = writeSynth({ enterprises: 3000, bankCustomers: 1500, seed: 21, bank: 'bank-a' }, join(dir, 'synth')));
    // Plant the canaries: new enterprises with unique values, customers of the bank (so joint jobs
    // train on them), holding no consent at all.
    const platform = parseCsv(readFileSync(files.platform, 'utf8'), 'platform');
    const random = new Random(99);
    canaryIds = CANARY_VALUES.map(() => generateUscc(random, '330106'));
    const canaryRows = CANARY_VALUES.map((values, c) => platform.header.map((h, k) => (h === 'id' ? canaryIds[c] : ((values as Record<string, string>)[h] ?? platform.rows[c][k]))));
    writeFileSync(files.platform, formatCsv(platform.header, [...platform.rows, ...canaryRows]));
    const bank = parseCsv(readFileSync(files.bank, 'utf8'), 'bank');
    writeFileSync(files.bank, formatCsv(bank.header, [...bank.rows, ...canaryIds.map((id, c) => bank.header.map((h, k) => (h === 'id' ? id : h === 'default_12m' ? String(c % 2) : bank.rows[c][k])))]));
    const consented = new Set(parseCsv(readFileSync(files.consent, 'utf8'), 'consent').rows.filter((r) => r[2] === 'scoring').map((r) => r[0]));
    nonConsented = [...platform.rows.map((r) => r[0]).filter((id) => !consented.has(id)).slice(0, 50), ...canaryIds];

    enclave = await startEnclave({ db: join(dir, 'enclave.db'), port: 0, log: (line) => logs.push(line) });
    tokens = {
      steward: (await addPrincipal(enclave.db, { name: 's', role: 'steward', org: 'platform' }, 'test')).token,
      bank: (await addPrincipal(enclave.db, { name: 'b', role: 'bank', org: 'bank-a' }, 'test')).token,
    };
    await call('steward', 'POST', '/v1/datasets?name=platform&idColumn=id', { csv: readFileSync(files.platform) });
    await call('steward', 'POST', '/v1/consents', { csv: readFileSync(files.consent) });
    await call('bank', 'POST', '/v1/uploads?name=customers', { csv: readFileSync(files.bank) });
    await call('bank', 'POST', `/v1/uploads?name=one`, { csv: `id,default_12m\n${canaryIds[0]},1\n` });
    await call('bank', 'POST', `/v1/uploads?name=twins-a`, { csv: readFileSync(files.bank, 'utf8').split('\n').slice(0, 200).join('\n') + '\n' });
    await call('bank', 'POST', `/v1/uploads?name=twins-b`, { csv: readFileSync(files.bank, 'utf8').split('\n').slice(0, 200).join('\n') + `\n${canaryIds[1]},0,0,0,0,0,none,1\n` });
  });
  after(() => enclave.close());

  const platformColumns = ['vat_paid_12m_10k', 'electricity_kwh_12m', 'years_established', 'tax_grade', 'court_cases_3y'];
  const spec = (name: string, extra: Record<string, unknown>) => ({ name, purpose: 'hostile', bank: { upload: 'customers' }, platform: { dataset: 'platform', columns: platformColumns }, label: 'default_12m', model: { family: 'scorecard' }, ...extra });
  async function runJob(body: unknown): Promise<string | undefined> {
    const r = await call('bank', 'POST', '/v1/jobs', { json: body });
    if (r.status !== 201) return undefined;
    const id = r.json().id as string;
    await call('steward', 'POST', `/v1/jobs/${id}/approve`, { json: {} });
    await enclave.runner.drained();
    await call('bank', 'GET', `/v1/jobs/${id}`);
    await call('bank', 'GET', `/v1/jobs/${id}/results`);
    await call('steward', 'GET', `/v1/jobs/${id}/results`);
    // The report and the exported model are built from the results: scanned all the same.
    await call('bank', 'GET', `/v1/jobs/${id}/report`);
    await call('bank', 'GET', `/v1/jobs/${id}/model?format=pmml`);
    return id;
  }

  it('runs the hostile cases', async () => {
    // The label set to a platform feature: refused at submission.
    assert.equal((await call('bank', 'POST', '/v1/jobs', { json: spec('label-is-feature', { label: 'vat_paid_12m_10k' }) })).status, 422);
    // Per-row outputs: not a thing a spec can ask for.
    assert.equal((await call('bank', 'POST', '/v1/jobs', { json: spec('per-row', { outputs: ['predictions'] }) })).status, 400);
    // A "filter" that leaves one row: an upload of the one canary.
    await runJob(spec('one-row', { bank: { upload: 'one' } }));
    // A model much larger than the data, on every family.
    for (const family of ['lr', 'scorecard', 'mlp']) {
      await runJob(spec(`big-${family}`, { model: { family, ...(family === 'mlp' ? { params: { hidden: [256, 256], maxEpochs: 3, patience: 3 } } : family === 'scorecard' ? { params: { initialBins: 200, minBinShare: 0.0001, monotonic: false } } : { params: { l2: 1e-9 } }) } }));
    }
    // Near-identical jobs that differ by one enterprise (a canary).
    await runJob(spec('twin-a', { bank: { upload: 'twins-a' } }));
    await runJob(spec('twin-b', { bank: { upload: 'twins-b' } }));
    // Schema, policy and aggregates of the dataset.
    await call('bank', 'GET', '/v1/datasets/platform');
    await call('bank', 'GET', '/v1/datasets');
    // Scoring without consent, and scoring in bulk until the limits answer.
    const released = (await call('bank', 'GET', '/v1/jobs?state=released')).json().jobs.find((j: { name: string; spec: { platform?: unknown } }) => j.name === 'big-scorecard');
    const platformOnly = await runJob({ ...spec('platform-only', {}), bank: { upload: 'customers' } });
    for (const job of [released?.id, platformOnly].filter(Boolean)) {
      await call('bank', 'POST', '/v1/score', { json: { job, ids: nonConsented } });
    }
    let limited = 0;
    for (let i = 0; i < 150 && limited === 0; i++) {
      const r = await call('bank', 'POST', '/v1/score', { json: { job: platformOnly, ids: nonConsented.slice(0, 5) } });
      if (r.status === 429) limited++;
    }
    assert.ok(limited > 0, 'bulk scoring was never limited');
    // The audit trail and the consent counts, as the steward reads them.
    await call('steward', 'GET', '/v1/audit?limit=1000');
    await call('steward', 'GET', '/v1/consents/counts');
    // Exported files: the CLI's score output for a model the bank received.
    const results = (await call('bank', 'GET', `/v1/jobs/${platformOnly}/results`)).json();
    const model = join(dir, 'released.json');
    writeFileSync(model, JSON.stringify(results.released.parameters.model));
    const exported = runCli(['score', '--model', model, '--data', files.bank, '--data', files.platform, '--out', join(dir, 'scores.csv')]);
    assert.equal(exported.code, 0, exported.stderr);
    seen.push({ source: 'released model file', text: readFileSync(model, 'utf8'), sent: [] });
    assert.ok(seen.length > 40);
  });

  it('finds no canary value anywhere', () => {
    const values = CANARY_VALUES.flatMap((v) => Object.values(v));
    for (const { source, text } of [...seen, ...logs.map((l) => ({ source: 'log', text: l, sent: [] }))]) {
      for (const value of values) assert.ok(!text.includes(value), `canary value ${value} in ${source}`);
    }
  });

  it('names no enterprise without consent, except where the request itself named it to be refused', () => {
    for (const { source, text, sent } of [...seen, ...logs.map((l) => ({ source: 'log', text: l, sent: [] as string[] }))]) {
      let scrubbed = text;
      if (sent.length) {
        // Refusals of ids this very request sent are allowed: drop exactly those entries.
        const parsed = JSON.parse(text.slice(text.indexOf('\n') + 1) || '{}') as { refused?: { id: string }[] };
        for (const r of parsed.refused ?? []) if (sent.includes(r.id)) scrubbed = scrubbed.replace(`"id":"${r.id}"`, '');
      }
      for (const id of nonConsented) assert.ok(!scrubbed.includes(id), `identifier of a non-consented enterprise in ${source}`);
    }
  });
});
