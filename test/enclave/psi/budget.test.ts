import { strict as assert } from 'node:assert';
import { runCliAsync } from '../../helpers/cli';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';

describe('PSI budget (enclave/release/psi-budget.ts): a bank cannot enumerate the platform through PSI', () => {
  let t: TestEnclave;
  before(async () => {
    t = await startTestEnclave({ enterprises: 400, bankCustomers: 200, psi: { pointsPerSession: 1000, pointsPerDay: 1500, sessionsPerDay: 3, openSessions: 2 } });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
  });
  after(() => t.enclave.close());

  const open = (points: number, who: 'bankA' | 'bankB' = 'bankA') => t.call(who, 'POST', '/v1/psi/sessions', { body: JSON.stringify({ dataset: 'platform', points }), type: 'application/json' });

  it('caps a session, the points and sessions of a day and the sessions held open, per bank; audits every session with its sizes', async () => {
    const tooBig = await open(1001);
    assert.deepEqual([tooBig.status, tooBig.json().code], [400, 'psi_session_too_large']);
    const first = await open(1000);
    assert.equal(first.status, 201, first.text);
    const { windowFreesAt, ...budget } = first.json().budget;
    assert.deepEqual(budget, { pointsPerDay: 1500, pointsToday: 1000, sessionsPerDay: 3, sessionsToday: 1, pointsPer30Days: 16_777_216, points30Days: 1000 });
    // The window frees 30 days after this session, its oldest.
    assert.ok(Math.abs(Date.parse(windowFreesAt) - Date.now() - 30 * 86_400_000) < 60_000, windowFreesAt);
    const over = await open(600);
    assert.deepEqual([over.status, over.json().code], [429, 'psi_budget']);
    assert.equal((await open(400)).status, 201);
    // Two sessions open: a third waits for one to close.
    const busy = await open(50);
    assert.deepEqual([busy.status, busy.json().code], [429, 'psi_busy']);
    assert.equal((await t.call('bankA', 'DELETE', `/v1/psi/sessions/${first.json().id}`)).status, 204);
    // A closed session still counts: its points were announced (1000 + 400 + 100 = 1500).
    assert.equal((await open(100)).status, 201);
    const fourth = await open(1);
    assert.equal(fourth.status, 429);
    // Another bank has its own budget.
    assert.equal((await open(1000, 'bankB')).status, 201);

    const audit = await t.enclave.db.all<{ action: string; detail: string }>("SELECT action, detail FROM audit WHERE action LIKE 'psi.%' ORDER BY seq");
    assert.deepEqual(audit.map((a) => a.action), ['psi.open', 'psi.open', 'psi.close', 'psi.open', 'psi.open']);
    assert.deepEqual(JSON.parse(audit[0].detail), { dataset: 'platform', points: 1000, platform: 400 });
    assert.deepEqual(JSON.parse(audit[2].detail), { dataset: 'platform', points: 1000, received: 0 });
  });

  it('`jointlab upload --no-psi` keeps the plain upload: every row goes in', async () => {
    const r = await runCliAsync(['upload', t.files.bank, '--name', 'plain', '--no-psi', '--json'], { env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankB } });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.rows, 200);
    assert.equal(out.psi, undefined);
  });

  it('a PSI upload the enclave refuses (the name is taken) closes its session at once', async () => {
    const r = await runCliAsync(['upload', t.files.bank, '--name', 'plain', '--json'], { env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankB } });
    assert.equal(JSON.parse(r.stdout).error.code, 'upload_exists');
    const rows = await t.enclave.db.all<{ state: string; intersection: number }>("SELECT state, intersection FROM psi_sessions WHERE org = 'bank-b' ORDER BY created_at");
    assert.deepEqual(rows.at(-1), { state: 'closed', intersection: 200 });
  });

  it('`jointlab upload` with no PSI allowance left fails with the enclave\'s code and uploads nothing', async () => {
    const r = await runCliAsync(['upload', t.files.bank, '--name', 'over', '--json'], { env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankA } });
    assert.notEqual(r.code, 0);
    assert.equal(JSON.parse(r.stdout).error.code, 'psi_busy');
    const { uploads } = await t.client('bankA').request<{ uploads: unknown[] }>('GET', 'v1/uploads');
    assert.equal(uploads.length, 0);
  });
});
