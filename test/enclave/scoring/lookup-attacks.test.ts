/**
 * Scoring used as a lookup, rebuilt as a hostile bank would through the real HTTP API with real
 * ciphertexts, and the reconstruction measured per column: (1) one-feature models inverted through
 * logit(score); (2) one private-scoring session sending an encrypted unit-vector model per column and
 * un-standardizing with the session's figures; (3) one private model packing three low-entropy
 * columns into one score with weights 1, 100 and 10,000. Each attack runs once against a dataset
 * whose steward turned the controls off (budget 100 models, no noise), to show it is a real attack,
 * and once under the defaults, where for every column either every target is refused with the
 * reason or the error is at least half the column's standard deviation. Also: the session hands out
 * nothing about a sensitive column, and private scoring takes at most 10,000 ids a request.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, decodeFrames, encodeFrames } from '../../../lab/he/frames';
import { Term } from '../../../lab/he/model-terms';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { isMissingCell } from '../../../lab/data/columns';
import { TestEnclave, csvOf, startTestEnclave, waitForJob } from '../../helpers/enclave';

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const FORBIDDEN = 'shareholder_changes_3y';
const SENSITIVE = 'dishonest_debtor';
const PACKED = ['court_cases_3y', 'enforcement_records', 'admin_penalties_3y'];

interface Session {
  id: string;
  scoring: { numeric: Record<string, { mean: number; sd: number }>; categorical: string[]; withheld: string[] };
}

/** Per column: how the attack did on its targets. */
interface Reconstruction {
  column: string;
  scored: number;
  refused: number;
  reasons: string[];
  /** Root-mean-square error over scored targets with a value, in the column's standard deviations. */
  error: number;
  /** Share of those targets within 0.001 sd of their value. */
  exact: number;
  /** The same share for a guess of the column's most common value, which the dataset's aggregates give away: the baseline. */
  modeExact: number;
}

describe('scoring as a lookup (attacks rebuilt through the API)', function () {
  this.timeout(900_000);
  let t: TestEnclave;
  let crypto: BankCrypto;
  let header: string[];
  let rows: Map<string, string[]>;
  let numericColumns: string[];
  let targets: string[];
  const sdOf = new Map<string, number>();
  const modeOf = new Map<string, number>();
  const report: string[] = [];

  before(async () => {
    t = await startTestEnclave({ enterprises: 4000, bankCustomers: 1500 });
    const table = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform');
    header = table.header;
    rows = new Map(table.rows.map((r) => [r[0], r]));
    numericColumns = header.slice(1).filter((c) => c !== FORBIDDEN && table.rows.every((r) => isMissingCell(r[header.indexOf(c)]) || Number.isFinite(Number(r[header.indexOf(c)]))));
    for (const c of numericColumns) {
      const xs = table.rows.map((r) => r[header.indexOf(c)]).filter((v) => !isMissingCell(v)).map(Number);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      sdOf.set(c, Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length));
      const counts = new Map<number, number>();
      for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
      modeOf.set(c, [...counts].sort((a, b) => b[1] - a[1])[0][0]);
    }
    const policy = { sensitive: SENSITIVE, forbidden: FORBIDDEN };
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id', ...policy } });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'open', idColumn: 'id', ...policy } });
    // The second copy with the controls turned off, to show that the attacks below are real ones.
    await t.client('steward').request('PUT', 'v1/scoring/policy/open', { json: { modelsPerWindow: 100, noiseSwap: 0, noiseSd: 0 } });
    await t.client('bankA').request('POST', 'v1/uploads', { csv: csvOf(t.files.bank), query: { name: 'customers' } });
    targets = table.rows.slice(0, 4000).map((r) => r[0]);
    await t.client('steward').request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], targets.map((id) => [id, 'bank-a', 'scoring', day(-1), day(60)])) });
    crypto = await BankCrypto.create('n16384', []);
  });
  after(async () => {
    crypto?.dispose();
    await t.enclave.close();
    console.log(report.map((l) => `      ${l}`).join('\n'));
  });

  const truth = (id: string, column: string): number | undefined => {
    const v = rows.get(id)![header.indexOf(column)];
    return isMissingCell(v) ? undefined : Number(v);
  };

  function measure(column: string, guesses: Map<string, number>, refused: { id: string; reason: string }[], asked: string[]): Reconstruction {
    let n = 0;
    let se = 0;
    let exact = 0;
    let modeExact = 0;
    const sd = sdOf.get(column)!;
    const mode = modeOf.get(column)!;
    for (const id of asked) {
      const guess = guesses.get(id);
      const x = truth(id, column);
      if (guess === undefined || x === undefined) continue;
      n++;
      se += (guess - x) ** 2;
      if (Math.abs(guess - x) <= 1e-3 * sd) exact++;
      if (x === mode) modeExact++;
    }
    return { column, scored: guesses.size, refused: refused.length, reasons: [...new Set(refused.map((r) => r.reason))], error: n ? Math.sqrt(se / n) / sd : NaN, exact: n ? exact / n : NaN, modeExact: n ? modeExact / n : NaN };
  }

  /** Under the controls: every target refused with a reason, or an error of at least half a standard deviation. */
  function assertNoLookup(r: Reconstruction, asked: number): void {
    if (r.scored === 0) {
      assert.equal(r.refused, asked, `${r.column}: neither scored nor refused`);
      assert.ok(r.reasons.every((x) => /model budget|consent/.test(x)), `${r.column}: ${r.reasons.join('; ')}`);
    } else assert.ok(r.error >= 0.5, `${r.column}: reconstructed within ${r.error.toFixed(3)} sd (${(r.exact * 100).toFixed(1)}% exact)`);
  }

  async function heSession(dataset: string): Promise<Session> {
    const spec = { name: `lookup-${dataset}`, purpose: 'attack', mode: 'he-score', platform: { dataset, columns: numericColumns }, model: { family: 'lr' } };
    const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: { allowSensitive: [SENSITIVE] } });
    const open = await t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job: id, paramSet: 'n16384' }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });
    assert.equal(open.status, 201, open.text);
    return open.json() as Session;
  }

  /** Sends an encrypted model (terms, coefficients, constant) and scores `ids`; decrypted values by id. */
  async function privateScore(session: Session, terms: Term[], coefficients: number[], constant: number, ids: string[]): Promise<{ values: Map<string, number>; refused: { id: string; reason: string }[] }> {
    const model = encodeFrames({ terms }, [...coefficients.map((c) => crypto.encryptReplicated(c)), crypto.encryptReplicated(constant)]);
    const sent = await t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/model`, { body: model, type: FRAME_TYPE });
    assert.equal(sent.status, 200, sent.text);
    const res = await fetch(`${t.enclave.url}/v1/he/sessions/${session.id}/score`, { method: 'POST', headers: { authorization: `Bearer ${t.tokens.bankA}`, 'content-type': 'application/json' }, body: JSON.stringify({ ids }) });
    assert.equal(res.status, 200, await res.clone().text());
    const answer = decodeFrames<{ ids: string[]; refused: { id: string; reason: string }[] }>(Buffer.from(await res.arrayBuffer()));
    const values: number[] = [];
    for (const blob of answer.blobs) values.push(...Array.from(crypto.decrypt(blob)));
    return { values: new Map(answer.header.ids.map((id, i) => [id, values[i]])), refused: answer.header.refused };
  }

  /** Attack 2: a unit-vector model per column; z back to the value with the session's mean and sd (or a bin for a withheld column). */
  async function unitVectorAttack(session: Session, ids: string[]): Promise<Reconstruction[]> {
    const out: Reconstruction[] = [];
    for (const column of numericColumns) {
      const stats = session.scoring.numeric[column];
      const term: Term = stats ? { feature: column, kind: 'z' } : { feature: column, kind: 'bin', lower: 0.5, upper: null };
      const { values, refused } = await privateScore(session, [term], [1], 0, ids);
      const guesses = new Map([...values].map(([id, v]) => [id, stats ? stats.mean + stats.sd * v : Math.round(v)]));
      // The attacker rounds to the column's grid when the column holds whole numbers.
      const whole = ids.every((id) => Number.isInteger(truth(id, column) ?? 0));
      out.push(measure(column, whole ? new Map([...guesses].map(([id, g]) => [id, Math.round(g)])) : guesses, refused, ids));
    }
    return out;
  }

  /** Attack 3: one model whose score is x1 + 100 x2 + 10,000 x3 over three count columns, decoded digit by digit. */
  async function packingAttack(session: Session, ids: string[]): Promise<Reconstruction[]> {
    const weights = [1, 100, 10_000];
    const stats = PACKED.map((c) => session.scoring.numeric[c]);
    // w x = w (mean + sd z): a coefficient w sd on z and w mean into the constant.
    const { values, refused } = await privateScore(session, PACKED.map((feature) => ({ feature, kind: 'z' as const })), stats.map((s, j) => weights[j] * s.sd), stats.reduce((a, s, j) => a + weights[j] * s.mean, 0), ids);
    return PACKED.map((column, j) => {
      const guesses = new Map([...values].map(([id, v]) => {
        const rest = Math.round(v) % (weights[j] * 100);
        return [id, Math.floor((rest + 0.5) / weights[j])];
      }));
      return measure(column, guesses, refused, ids);
    });
  }

  const line = (r: Reconstruction) => `${r.column.padEnd(24)} scored ${String(r.scored).padStart(4)}, refused ${String(r.refused).padStart(4)}, error ${Number.isNaN(r.error) ? '   -  ' : r.error.toFixed(3)} sd, exact ${Number.isNaN(r.exact) ? '  -  ' : (r.exact * 100).toFixed(1)}% (guessing the most common value: ${Number.isNaN(r.modeExact) ? '-' : (r.modeExact * 100).toFixed(1)}%)`;

  it('(1) one-feature models inverted through logit(score): refused by the scoring rule, with the reason', async () => {
    for (const column of ['years_established', 'vat_paid_12m_10k', 'court_cases_3y']) {
      const spec = { name: `one-${column}`, purpose: 'attack', bank: { upload: 'customers' }, platform: { dataset: 'platform', columns: [column] }, label: 'default_12m', model: { family: 'lr', params: { l2: 1e-6 } } };
      const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
      await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
      assert.equal(await waitForJob(t, id), 'released');
      const r = await t.call('bankA', 'POST', '/v1/score', { body: JSON.stringify({ job: id, ids: targets.slice(0, 500) }), type: 'application/json' });
      assert.equal(r.status, 409, r.text);
      assert.equal(r.json().code, 'scoring_rule');
      report.push(`(1) ${column}: refused, ${r.json().detail}`);
    }
  });

  it('(2) a unit-vector model per column in one session: exact with the controls off; under them refused or off by at least 0.5 sd', async () => {
    const ids = targets.slice(0, 2000);
    const open = await unitVectorAttack(await heSession('open'), ids);
    report.push('(2) controls off (budget 100, no noise):', ...open.map(line));
    for (const r of open) assert.ok(r.error < 0.01 && r.exact > 0.99, `the attack itself is broken on ${r.column}: ${r.error} sd`);

    const session = await heSession('platform');
    const guarded = await unitVectorAttack(session, ids);
    report.push('(2) defaults (budget 2 models / 30 days, swap 0.25):', ...guarded.map(line));
    for (const r of guarded) assertNoLookup(r, ids.length);
    assert.ok(guarded.filter((r) => r.scored > 0).length <= 2, 'more than two models scored the same enterprises');
  });

  it('(3) three count columns packed into one score: exact with the controls off; under them off by at least 0.5 sd', async () => {
    const ids = targets.slice(2000, 4000);
    const open = await packingAttack(await heSession('open'), ids);
    report.push('(3) controls off:', ...open.map(line));
    for (const r of open) assert.ok(r.error < 0.01 && r.exact > 0.99, `the packing attack itself is broken on ${r.column}: ${r.error} sd`);
    const guarded = await packingAttack(await heSession('platform'), ids);
    report.push('(3) defaults:', ...guarded.map(line));
    for (const r of guarded) assertNoLookup(r, ids.length);
  });

  it('(4) hands out nothing about a sensitive column and only rounded figures about the others; refuses z terms on it', async () => {
    const session = await heSession('platform');
    assert.ok(session.scoring.withheld.includes(SENSITIVE));
    assert.ok(!(SENSITIVE in session.scoring.numeric) && !JSON.stringify(session).includes(`"${FORBIDDEN}"`));
    for (const [column, { mean, sd }] of Object.entries(session.scoring.numeric)) {
      assert.equal(mean, Number(mean.toPrecision(3)), column);
      assert.equal(sd, Number(sd.toPrecision(3)), column);
    }
    const model = encodeFrames({ terms: [{ feature: SENSITIVE, kind: 'z' }] }, [crypto.encryptReplicated(1), crypto.encryptReplicated(0)]);
    const r = await t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/model`, { body: model, type: FRAME_TYPE });
    assert.equal(r.status, 400);
    assert.match(r.json().detail, /withholds/);
  });

  it('(5) takes at most 10,000 ids a request in private scoring, as in plaintext scoring', async () => {
    const session = await heSession('platform');
    const model = encodeFrames({ terms: [{ feature: 'years_established', kind: 'z' }] }, [crypto.encryptReplicated(1), crypto.encryptReplicated(0)]);
    assert.equal((await t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/model`, { body: model, type: FRAME_TYPE })).status, 200);
    const many = Array.from({ length: 10_001 }, (_, i) => targets[i % targets.length]);
    const r = await t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/score`, { body: JSON.stringify({ ids: many }), type: 'application/json' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json().detail, /1 to 10000/);
    assert.equal((await t.call(null, 'GET', '/v1/health')).status, 200);
  });
});
