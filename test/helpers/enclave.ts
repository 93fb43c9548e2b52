/** An enclave started in-process on port 0 over a temporary SQLite file, with one principal per role and two banks. */
import { formatCsv, parseCsv } from '../../lab/data/csv';
import { readFileSync, writeFileSync } from 'node:fs';
import { consentsAsOfToday } from '../../demo/story';
import { join } from 'node:path';
import { addPrincipal } from '../../enclave/auth/principals';
import { RunningEnclave, startEnclave } from '../../enclave/service';
import { EnclaveClient } from '../../lab/client/enclave-client';
import { ReleaseRules, TrainingOutcome, releaseCheck } from '../../enclave/release/check';
import { writeSynth } from '../../lab/synth/write';
import { tempDir } from './cli';
import { DEFAULT_PSI_LIMITS, PsiLimits } from '../../enclave/release/psi-budget';

export type Who = 'admin' | 'steward' | 'researcher' | 'bankA' | 'bankB';

export interface TestEnclave {
  enclave: RunningEnclave;
  dir: string;
  tokens: Record<Who, string>;
  client(who: Who): EnclaveClient;
  /** Raw fetch with a principal's token, for status-code checks. */
  call(who: Who | null, method: string, path: string, init?: { body?: string | Buffer; type?: string }): Promise<{ status: number; text: string; json: () => any; headers: Headers }>;
  files: { platform: string; bank: string; consent: string };
}

export async function startTestEnclave(
  options: { enterprises?: number; bankCustomers?: number; minTrainingRows?: number; maxRounds?: number; epsilonBudget?: number; scoringDigits?: number; psi?: Partial<PsiLimits>; requirePsi?: boolean; log?: (line: string) => void; warmWorker?: boolean; platformEngine?: 'sqlite' | 'duckdb' } = {},
): Promise<TestEnclave> {
  const dir = tempDir('jointlab-enclave-');
  const enclave = await startEnclave({
    db: join(dir, 'enclave.db'),
    port: 0,
    settings: {
      minTrainingRows: options.minTrainingRows ?? 100,
      // Tests that make hundreds of scoring requests are not testing the rate limit (scoring.test.ts does).
      // Exactness tests release more digits than the default 4, so that rounding does not hide a difference.
      scoring: { requestsPerMinute: 100_000, enterprisesPerDay: 10_000_000, idsPerRequest: 10_000, digits: options.scoringDigits ?? 4 },
      ...(options.maxRounds ? { he: { maxRounds: options.maxRounds, maxScoreIds: 100_000 } } : {}),
      ...(options.epsilonBudget ? { epsilonBudget: options.epsilonBudget } : {}),
      ...(options.psi ? { psi: { ...DEFAULT_PSI_LIMITS, ...options.psi } } : {}),
      ...(options.requirePsi ? { requirePsi: true } : {}),
      ...(options.warmWorker ? { warmWorker: true } : {}),
      ...(options.platformEngine ? { platformEngine: options.platformEngine } : {}),
    },
    ...(options.log ? { log: options.log } : {}),
  });
  // Released counts and metrics carry noise keyed under this enclave secret (enclave/release/population.ts):
  // a fixed one makes every run draw the same noise, so no test depends on a lucky draw.
  await enclave.db.run("INSERT OR REPLACE INTO secrets (name, value) VALUES ('population-key', ?)", [Buffer.alloc(32, 0x5a)]);
  // Scoring's noise (enclave/release/score-noise.ts) is drawn under its own secret, fixed for the same reason:
  // with a random one, the lookup attacks' error on a heavy-tailed column (registered_capital_10k over
  // 2,000 targets) fell under half a standard deviation for about 0.4% of keys (6 of 1,500 simulated).
  await enclave.db.run("INSERT OR REPLACE INTO secrets (name, value) VALUES ('score-noise-key', ?)", [Buffer.alloc(32, 0xa5)]);
  const add = async (name: string, role: string, org: string) => (await addPrincipal(enclave.db, { name, role, org }, 'test')).token;
  const tokens: Record<Who, string> = {
    admin: await add('admin', 'admin', 'platform'),
    steward: await add('steward', 'steward', 'platform'),
    researcher: await add('researcher', 'researcher', 'university'),
    bankA: await add('alice', 'bank', 'bank-a'),
    bankB: await add('bob', 'bank', 'bank-b'),
  };
  const { files } = writeSynth({ enterprises: options.enterprises ?? 3000, bankCustomers: options.bankCustomers ?? 1500, seed: 5, bank: 'bank-a' }, join(dir, 'synth'));
  // The synthetic consents carry fixed dates, so which are in force moved with the calendar (populations,
  // counts and the noise keyed to them with it, and thresholds such as "over 100 consented" ran out).
  // Moved by whole days as the demo moves them, the same consents are in force on every day.
  writeFileSync(files.consent, consentsAsOfToday(readFileSync(files.consent, 'utf8')));
  return {
    enclave,
    dir,
    tokens,
    files,
    client: (who) => new EnclaveClient(enclave.url, tokens[who]),
    async call(who, method, path, init = {}) {
      const headers: Record<string, string> = {};
      if (who) headers.authorization = `Bearer ${tokens[who]}`;
      if (init.type) headers['content-type'] = init.type;
      const res = await fetch(`${enclave.url}${path}`, { method, headers, body: init.body });
      const text = await res.text();
      return { status: res.status, text, json: () => JSON.parse(text), headers: res.headers };
    },
  };
}

export const csvOf = (path: string): Buffer => readFileSync(path);

/** Imports the platform table as the steward and the bank table as bank A. */
export async function seedData(t: TestEnclave): Promise<{ uploadId: string }> {
  await t.client('steward').request('POST', 'v1/datasets', {
    csv: csvOf(t.files.platform),
    query: { name: 'platform', idColumn: 'id', sensitive: 'dishonest_debtor', forbidden: 'shareholder_changes_3y' },
  });
  const upload = await t.client('bankA').request<{ id: string }>('POST', 'v1/uploads', { csv: csvOf(t.files.bank), query: { name: 'customers' } });
  return { uploadId: upload.id };
}

/** A date `offset` days from today (YYYY-MM-DD), for consent records valid around now. */
export const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * Ids with a consent of `purpose` in the synthetic consent file that the enclave holds in force today.
 * The synthetic consents carry fixed dates (lab/synth/generate.ts), so which are in force moves with
 * the calendar: a window written as dates in a test runs out. The margins (granted by yesterday,
 * expiring after tomorrow) keep the answer the enclave's when a run crosses midnight UTC between this
 * filter and the enclave's own check of today's date.
 */
export function consentedIds(file: string, purpose: 'scoring' | 'training'): string[] {
  return parseCsv(readFileSync(file, 'utf8'), 'consent')
    .rows.filter((r) => r[2] === purpose && r[3] <= day(-1) && r[4] > day(1))
    .map((r) => r[0]);
}

/** The platform table without column policies (steward) and the bank table as bank A's "customers". */
export async function importPlainData(t: TestEnclave): Promise<void> {
  await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
  await t.client('bankA').request('POST', 'v1/uploads', { csv: csvOf(t.files.bank), query: { name: 'customers' } });
}

/** Scoring consents for `ids`, valid from yesterday for 30 days, to bank A's organization. */
export async function grantScoring(t: TestEnclave, ids: string[]): Promise<void> {
  await t.client('steward').request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], ids.map((id) => [id, 'bank-a', 'scoring', day(-1), day(30)])) });
}

export const jointSpec = (family = 'scorecard', extra: Record<string, unknown> = {}) => ({
  name: `joint-${family}`,
  purpose: 'test',
  bank: { upload: 'customers', columns: ['loan_amount_10k', 'relationship_months', 'worst_overdue_days_12m', 'collateral'] },
  platform: { dataset: 'platform', columns: ['tax_grade', 'tax_arrears', 'vat_paid_12m_10k', 'court_cases_3y', 'enforcement_records', 'utility_arrears_months', 'years_established'] },
  label: 'default_12m',
  model: { family },
  ...extra,
});

/** A platform-only scorecard for scoring, submitted by bank A, approved by the steward and released (asserted). */
export async function releasedPlatformScorecard(t: TestEnclave, name: string, columns: string[]): Promise<string> {
  const spec = { name, purpose: 'scoring', bank: { upload: 'customers' }, platform: { dataset: 'platform', columns }, label: 'default_12m', model: { family: 'scorecard' } };
  const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
  await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
  const state = await waitForJob(t, id);
  if (state !== 'released') throw new Error(`job ${name} ended ${state}, not released`);
  return id;
}

export async function waitForJob(t: TestEnclave, id: string, who: Who = 'bankA'): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const view = await t.client(who).request<{ state: string }>('GET', `v1/jobs/${id}`);
    if (['released', 'withheld', 'failed', 'cancelled', 'rejected'].includes(view.state)) return view.state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('job did not settle');
}

/**
 * Registers mocha hooks that start a seeded test enclave before the suite and close it after. The
 * returned object forwards to that enclave, so a suite can hold it in a const from the start.
 */
export function useSeededEnclave(options: Parameters<typeof startTestEnclave>[0] = {}): TestEnclave {
  let t: TestEnclave | undefined;
  before(async () => {
    t = await startTestEnclave(options);
    await seedData(t);
  });
  after(() => t?.enclave.close());
  return new Proxy({} as TestEnclave, { get: (_, key) => t![key as keyof TestEnclave] });
}

/**
 * Stores a finished job whose result is what the release check made of `outcome` under `rules`,
 * straight into the enclave's database: for tests that need exact figures, such as canaries that a
 * page must never show because the check withheld them.
 */
export async function storeCheckedJob(t: TestEnclave, outcome: TrainingOutcome, rules: ReleaseRules, name = 'canary-job'): Promise<string> {
  const release = releaseCheck(outcome, rules);
  const id = `job_${name.replace(/\W/g, '')}${Date.now().toString(36)}`;
  const now = new Date().toISOString();
  const state = release.withheld.length ? 'withheld' : 'released';
  await t.enclave.db.run(
    'INSERT INTO jobs (id, owner, org, spec, state, flags, approved_sensitive, reason, progress, progress_note, result, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [id, 'alice', 'bank-a', JSON.stringify({ ...jointSpec('lr'), name }), state, '[]', '[]', null, 1, null, JSON.stringify({ release, backend: 'test', seconds: 0 }), now, now],
  );
  return id;
}
