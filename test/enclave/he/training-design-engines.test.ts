/**
 * The encrypted-label training design on both platform engines: built from SQLite rows and from the
 * snapshot's DuckDB copy it is the same design bit for bit (awkward cells and the training-consent
 * policy included), and a session through the HTTP API hands the bank the same encoder and design on
 * both, with weights that differ only by the rounds' fresh noise.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { HeTrainResult, heTrain } from '../../../lab/he/protocols';
import { TrainingDesign, trainingDesign } from '../../../enclave/he/design';
import { withPlatformColumns } from '../../../enclave/data/platform-columns';
import { loadDuckDb } from '../../../enclave/columnar/duckdb-api';
import { clipNorm, roundNoiseStd } from '../../../enclave/release/he-rounds';
import { HE_BOUNDS } from '../../../lab/spec/he-spec';
import { inverseSpd } from '../../../models/linalg';
import { newtonPieces } from '../../../models/logistic-core';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';
import type { JobSpec } from '../../../lab/spec/job-spec';

const hasDuckDb = loadDuckDb().api !== undefined;

/** Everything a design holds, in comparable form (Float64Array contents, fingerprints as text, a draw of its keyed noise). */
function comparable(d: TrainingDesign): unknown {
  return {
    aligned: d.aligned.map((c) => Array.from(c)),
    matched: d.matched.map((c) => Array.from(c)),
    encoder: d.encoder,
    names: d.names,
    uploadRows: d.uploadRows,
    uploadIds: d.uploadIds,
    matchedRows: d.matchedRows,
    k: d.k,
    print: { ...d.print, uploaded: d.print.uploaded.toString('base64'), ids: d.print.ids.toString('base64') },
    noise: d.noise.key,
  };
}

(hasDuckDb ? describe : describe.skip)('HE training design on DuckDB and SQLite rows', function () {
  this.timeout(300_000);
  let sqlite: TestEnclave;
  let duck: TestEnclave;
  const lines: string[] = [];
  let customers: string[][];
  const spec = (dataset: string, columns: string[], name = 'he-engines') =>
    ({ name, purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset, columns }, model: { family: 'lr' }, he: { epsilon: 10 } }) as unknown as JobSpec;
  const both = () => [sqlite, duck];

  before(async () => {
    // The same synthetic data (one seed) in two enclaves, one per engine; the population key is fixed by the helper.
    sqlite = await startTestEnclave({ enterprises: 2000, bankCustomers: 1000, platformEngine: 'sqlite' });
    duck = await startTestEnclave({ enterprises: 2000, bankCustomers: 1000, platformEngine: 'duckdb', log: (line) => lines.push(line) });
    customers = parseCsv(readFileSync(sqlite.files.bank, 'utf8'), 'b').rows;
    for (const t of both()) {
      await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
      await t.client('steward').request('POST', 'v1/consents', { csv: csvOf(t.files.consent) });
      await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${customers.map((r) => r[0]).join('\n')}\n`, query: { name: 'ids' } });
    }
  });
  after(async () => {
    await sqlite?.enclave.close();
    await duck?.enclave.close();
  });

  it('reads the design from the DuckDB copy on the DuckDB engine', async () => {
    assert.equal(await withPlatformColumns(duck.enclave.db, 'platform', ['years_established'], [], async (p) => p.engine), 'duckdb');
    // An upload none of whose ids is on the platform is answered from the copy too (an empty join once sent it to SQLite's rows).
    assert.deepEqual(await withPlatformColumns(duck.enclave.db, 'platform', ['years_established'], ['NOT-THERE'], async (p) => [p.engine, p.byId.size]), ['duckdb', 0]);
    assert.equal(await withPlatformColumns(sqlite.enclave.db, 'platform', ['years_established'], [], async (p) => p.engine), 'sqlite');
  });

  it('builds the same design on both engines, bit for bit, with and without the training-consent policy, and after a new k', async () => {
    const s = spec('platform', ['years_established', 'vat_paid_12m_10k', 'tax_arrears', 'tax_grade', 'province']);
    const open = async () => Promise.all(both().map((t) => trainingDesign(t.enclave.db, s, 'bank-a')));
    const [a, b] = await open();
    assert.deepEqual(comparable(b), comparable(a));
    assert.ok(a.matchedRows > 500 && a.names.length > 5, `${a.matchedRows} rows, ${a.names.length} columns`);
    // A second session on the same snapshot (what is kept is reused) is the same design again.
    const [a2, b2] = await open();
    assert.deepEqual(comparable(a2), comparable(a));
    assert.deepEqual(comparable(b2), comparable(a));

    for (const t of both()) await t.client('steward').request('PUT', 'v1/datasets/platform/policy', { json: { requireTrainingConsent: true } });
    const [c, d] = await open();
    assert.deepEqual(comparable(d), comparable(c));
    // Rows without this bank's training consent are zero rows: fewer rows train, the upload's order and length stay.
    assert.ok(c.matchedRows < a.matchedRows && c.matchedRows > 100, `${c.matchedRows} of ${a.matchedRows}`);
    assert.equal(c.uploadRows, a.uploadRows);
    const ones = c.aligned[c.aligned.length - 1];
    c.aligned.forEach((column) => column.forEach((v, i) => ones[i] === 0 && assert.equal(v, 0)));
    for (const t of both()) await t.client('steward').request('PUT', 'v1/datasets/platform/policy', { json: { requireTrainingConsent: false } });
    // A new k on the same snapshot and upload: the join kept on DuckDB, the summaries read again for the new encoder.
    for (const t of both()) await t.client('steward').request('PUT', 'v1/datasets/platform/policy', { json: { k: 150 } });
    const [e, f] = await open();
    assert.deepEqual(comparable(f), comparable(e));
    assert.notDeepEqual(e.names, a.names, 'fewer levels at k = 150');
  });

  it('builds the same design from awkward cells (padded, non-canonical, gaps, NA, huge, negative zero) and a numeric column the rows type as categories', async () => {
    const cells = [' 7 ', '1.50', 'NA', '', '1e400', '-0', '1.0', '0', '1', '2.5e-3', '0012'];
    const ids = customers.map((r) => r[0]);
    // Two customers in three are on this platform, with enterprises that are not customers; `words` is
    // numeric on the platform but holds no number on the customers' rows (the job's frame reads it as categories).
    const rows = [
      ...ids.filter((_, i) => i % 3 !== 2).map((id, i) => [id, cells[i % cells.length], i % 5 ? ' b ' : 'NA', i % 2 ? '1' : '0', i % 4 ? 'none' : '']),
      ...Array.from({ length: 300 }, (_, i) => [`Z${i}`, cells[i % cells.length], 'c', '1', String(i)]),
    ];
    const csv = Buffer.from(formatCsv(['id', 'odd', 'cat', 'flag', 'words'], rows));
    for (const t of both()) await t.client('steward').request('POST', 'v1/datasets', { csv, query: { name: 'odd', idColumn: 'id', k: 2 } });
    const s = spec('odd', ['odd', 'cat', 'flag', 'words']);
    const [a, b] = await Promise.all(both().map((t) => trainingDesign(t.enclave.db, s, 'bank-a')));
    assert.deepEqual(comparable(b), comparable(a));
    assert.ok(a.matchedRows > 300 && a.matchedRows < a.uploadRows);
    assert.equal(a.encoder.features.find((f) => f.name === 'words')?.kind, 'categorical');
    assert.equal(lines.filter((l) => /no columnar copy|not kept|not used|not read/.test(l)).length, 0, lines.join('\n'));
  });

  it('through the HTTP API: the same encoder and design on both engines, weights apart by no more than the rounds\' noise', async () => {
    const columns = ['years_established', 'vat_paid_12m_10k', 'tax_arrears', 'court_cases_3y'];
    const labelAt = parseCsv(readFileSync(sqlite.files.bank, 'utf8'), 'b').header.indexOf('default_12m');
    const labels = { ids: customers.map((r) => r[0]), values: Uint8Array.from(customers, (r) => Number(r[labelAt])) };
    const results: HeTrainResult[] = [];
    for (const t of both()) {
      const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec('platform', columns, 'he-engines-http') });
      await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
      results.push(await heTrain({ client: t.client('bankA'), job: id, paramSet: 'n16384', labels }));
    }
    const [a, b] = results;
    assert.deepEqual(b.model.features, a.model.features);
    const state = (r: (typeof results)[number]) => r.model.state as { encoder: unknown; weights: number[]; intercept: number };
    assert.deepEqual(state(b).encoder, state(a).encoder);
    // Each round adds fresh Gaussian noise (enclave/release/he-rounds.ts) and CKKS noise: two sessions'
    // weights are two draws, so they are compared against the noise's spread, on the design both share.
    const design = await trainingDesign(sqlite.enclave.db, spec('platform', columns), 'bank-a');
    const beta = [...state(a).weights, state(a).intercept];
    const D = beta.length;
    const inverse = inverseSpd(newtonPieces(design.matched, design.matchedRows, beta, 1).hessian, D);
    const noiseStd = roundNoiseStd(10, HE_BOUNDS.rounds.default, clipNorm(D));
    const gaps = beta.map((w, k) => Math.abs(w - [...state(b).weights, state(b).intercept][k]));
    gaps.forEach((gap, k) => {
      const sd = Math.SQRT2 * noiseStd * Math.sqrt(inverse.subarray(k * D, (k + 1) * D).reduce((s, v) => s + v * v, 0));
      assert.ok(gap < 5 * sd + 1e-3, `weight ${k}: gap ${gap} against the noise's ${sd}`);
    });
  });
});
