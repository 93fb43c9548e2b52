/** The PSI budget's rolling 30-day cap across datasets, and the enclave setting that takes bank uploads only through PSI. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { runCli, runCliAsync, tempDir } from '../../helpers/cli';
import { spawnService } from '../../helpers/network';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';
import { DEFAULT_PSI_LIMITS, PSI_WINDOW_DAYS } from '../../../enclave/release/psi-budget';

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

describe('PSI budget over 30 days, across datasets (enclave/release/psi-budget.ts)', () => {
  let t: TestEnclave;
  before(async () => {
    t = await startTestEnclave({ enterprises: 400, bankCustomers: 200, psi: { pointsPerSession: 1000, pointsPerDay: 1500, sessionsPerDay: 10, pointsPer30Days: 2500, openSessions: 4 } });
    for (const name of ['platform', 'platform-2024']) await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name, idColumn: 'id' } });
  });
  after(() => t.enclave.close());

  const open = (dataset: string, points: number, who: 'bankA' | 'bankB' = 'bankA') => t.call(who, 'POST', '/v1/psi/sessions', { body: JSON.stringify({ dataset, points }), type: 'application/json' });
  const earlier = (id: string, org: string, dataset: string, points: number, at: string) =>
    t.enclave.db.run("INSERT INTO psi_sessions (id, org, owner, dataset, nonce, points, platform, state, created_at) VALUES (?, ?, 'p_earlier', ?, 'n', ?, 1000, 'closed', ?)", [id, org, dataset, points, at]);

  it('has a sensible default: a few full sessions a month, far below a national registry', () => {
    assert.equal(DEFAULT_PSI_LIMITS.pointsPer30Days, 16_777_216);
    assert.ok(DEFAULT_PSI_LIMITS.pointsPer30Days >= 4 * DEFAULT_PSI_LIMITS.pointsPerSession);
    assert.ok(DEFAULT_PSI_LIMITS.pointsPer30Days < 30 * DEFAULT_PSI_LIMITS.pointsPerDay);
  });

  it('counts every dataset and the last 30 days (rolling): each day and each dataset within its own cap, the sum is refused with 429 psi_budget', async () => {
    // Ten days ago on the other dataset, and forty days ago (outside the window, not counted).
    await earlier('psi_old_10', 'bank-a', 'platform-2024', 1000, daysAgo(10));
    await earlier('psi_old_40', 'bank-a', 'platform', 1000, daysAgo(40));
    assert.equal((await open('platform', 1000)).status, 201);
    // Today on platform-2024: 400 is within its daily cap (1,500) but 1,000 + 1,000 + 600 passes 2,500 over 30 days.
    const over = await open('platform-2024', 600);
    assert.equal(over.status, 429, over.text);
    assert.equal(over.json().code, 'psi_budget');
    assert.match(over.json().detail, new RegExp(`across all datasets over ${PSI_WINDOW_DAYS} days \\(2000 of 2500 used in the last ${PSI_WINDOW_DAYS} days`));
    // When room comes back: the oldest session in the window (ten days ago) leaves it in twenty days.
    const frees = Date.parse(/leaves it at (\S+)\)/.exec(over.json().detail)![1]);
    assert.ok(Math.abs(frees - (Date.now() + 20 * 86_400_000)) < 60_000);
    const exact = await open('platform-2024', 500);
    assert.equal(exact.status, 201, 'exactly up to the cap');
    // The session's view shows the window spent, and when its oldest session leaves it.
    assert.deepEqual([exact.json().budget.points30Days, exact.json().budget.pointsPer30Days], [2500, 2500]);
    assert.ok(Math.abs(Date.parse(exact.json().budget.windowFreesAt) - (Date.now() + 20 * 86_400_000)) < 60_000);
    assert.equal((await open('platform', 1)).json().code, 'psi_budget');
    // Another bank has its own window.
    assert.equal((await open('platform-2024', 1000, 'bankB')).status, 201);
  });
});

describe('requirePsi: bank uploads only through a matched PSI session (enclave/release/psi-required.ts)', () => {
  let t: TestEnclave;
  before(async () => {
    t = await startTestEnclave({ enterprises: 400, bankCustomers: 200, requirePsi: true });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
  });
  after(() => t.enclave.close());

  it('refuses a plain upload with 403 psi_required and stores nothing; the service keeps taking PSI uploads', async () => {
    const plain = await t.call('bankA', 'POST', '/v1/uploads?name=plain', { body: csvOf(t.files.bank), type: 'text/csv' });
    assert.equal(plain.status, 403, plain.text);
    assert.equal(plain.json().code, 'psi_required');
    assert.match(plain.json().detail, /private set intersection/);
    const cli = await runCliAsync(['upload', t.files.bank, '--name', 'plain', '--no-psi', '--json'], { env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankA } });
    assert.notEqual(cli.code, 0);
    assert.equal(JSON.parse(cli.stdout).error.code, 'psi_required');
    assert.equal((await t.enclave.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM uploads'))!.n, 0);
    // The default path of the CLI aligns by PSI, and goes in.
    const aligned = await runCliAsync(['upload', t.files.bank, '--name', 'aligned', '--json'], { env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens.bankA } });
    assert.equal(aligned.code, 0, aligned.stderr);
    assert.ok(JSON.parse(aligned.stdout).psi.intersection > 0);
  });

  it('`jointlab enclave start --require-psi` turns it on; without it a plain upload goes in', async () => {
    const dir = tempDir('jointlab-require-psi-');
    for (const [flags, expected] of [[['--require-psi'], 403], [[], 201]] as const) {
      const db = join(dir, `e${flags.length}.db`);
      const bank = JSON.parse(runCli(['admin', 'add-principal', '--db', db, '--name', 'alice', '--role', 'bank', '--org', 'bank-a', '--json']).stdout).token as string;
      const service = await spawnService(['enclave', 'start', '--port', '0', '--db', db, '--quiet', ...flags]);
      try {
        const res = await fetch(`${service.url}/v1/uploads?name=plain`, { method: 'POST', headers: { authorization: `Bearer ${bank}`, 'content-type': 'text/csv' }, body: 'id,default_12m\n91440300MA5FXXXX1A,0\n' });
        const body = (await res.json()) as { code?: string };
        assert.equal(res.status, expected, JSON.stringify(body));
        if (expected === 403) assert.equal(body.code, 'psi_required');
      } finally {
        service.child.kill('SIGTERM');
        await service.exited;
      }
    }
  });
});
