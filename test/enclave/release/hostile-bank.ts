/**
 * A bank that is hostile within its role, for the differencing and membership tests: a platform with
 * a planted target enterprise (not a customer, no consent, values far from every column's mean), and
 * the bank's moves over the real HTTP API: uploads it chooses, jobs, HE sessions and the arithmetic
 * it would do on what comes back.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isMissingCell } from '../../../lab/data/columns';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, encodeFrames } from '../../../lab/he/frames';
import { rotationSteps } from '../../../lab/he/params';
import { generateUscc } from '../../../lab/synth/uscc';
import { Random } from '../../../models/random';
import { TestEnclave, Who, csvOf, startTestEnclave, waitForJob } from '../../helpers/enclave';

/** Numeric platform columns with the feature policy: the ones a differencing attack reads. */
export const TARGET_COLUMNS = [
  'years_established',
  'registered_capital_10k',
  'si_headcount',
  'vat_paid_12m_10k',
  'tax_arrears',
  'electricity_kwh_12m',
  'electricity_yoy',
  'utility_arrears_months',
  'court_cases_3y',
  'enforcement_records',
  'admin_penalties_3y',
  'customs_import_12m_10k',
  'customs_export_12m_10k',
  'certifications',
  'high_tech',
  'legal_rep_changes_3y',
  'green_flag',
  'agri_flag',
];

export interface HostileWorld {
  t: TestEnclave;
  /** The planted enterprise and its values. */
  target: { id: string; values: Record<string, number> };
  /** Each column's mean and standard deviation over the platform (the reference for errors). */
  stats: Record<string, { mean: number; sd: number }>;
  /** The bank's customers as upload lines (header first), with a split column that sends every row to training. */
  header: string[];
  customers: string[][];
  /** A line of the upload for any id, with ordinary bank figures. */
  lineFor(id: string): string[];
}

/** Starts an enclave whose platform holds the target; the steward imports the platform and the consents. */
export async function hostileWorld(): Promise<HostileWorld> {
  // Classes far above k even under a DP spec's count noise (Laplace scale 20 at epsilon 1): the jobs
  // that should be released are, whatever the noise key draws.
  const t = await startTestEnclave({ enterprises: 6000, bankCustomers: 3000 });
  const platform = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform');
  const stats: HostileWorld['stats'] = {};
  for (const name of TARGET_COLUMNS) {
    const at = platform.header.indexOf(name);
    const xs = platform.rows.filter((r) => !isMissingCell(r[at])).map((r) => Number(r[at]));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    stats[name] = { mean, sd: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
  }
  // The target sits three standard deviations above the mean on every column: the platform-wide
  // aggregates say nothing close to it, so a reconstruction within half a standard deviation is a leak.
  const target = { id: generateUscc(new Random(4242), '110105'), values: Object.fromEntries(TARGET_COLUMNS.map((c) => [c, Number((stats[c].mean + 3 * stats[c].sd).toPrecision(6))])) };
  const targetRow = platform.header.map((h, k) => (h === 'id' ? target.id : h in target.values ? String(target.values[h]) : platform.rows[0][k]));
  writeFileSync(t.files.platform, formatCsv(platform.header, [...platform.rows, targetRow]));
  await t.client('steward').request('POST', 'v1/datasets', {
    csv: csvOf(t.files.platform),
    query: { name: 'platform', idColumn: 'id', sensitive: 'dishonest_debtor', forbidden: 'shareholder_changes_3y' },
  });
  await t.client('steward').request('POST', 'v1/consents', { csv: csvOf(t.files.consent) });
  const bank = parseCsv(readFileSync(t.files.bank, 'utf8'), 'bank');
  const header = [...bank.header, 'split'];
  const customers = bank.rows.map((r) => [...r, 'train']);
  const template = customers[0];
  return { t, target, stats, header, customers, lineFor: (id) => [id, ...template.slice(1)] };
}

export async function upload(w: HostileWorld, who: Who, name: string, rows: string[][]): Promise<void> {
  await w.t.client(who).request('POST', 'v1/uploads', { csv: Buffer.from(formatCsv(w.header, rows)), query: { name } });
}

export const lrSpec = (name: string, uploadName: string, extra: Record<string, unknown> = {}) => ({
  name,
  purpose: 'differencing test',
  bank: { upload: uploadName },
  platform: { dataset: 'platform', columns: TARGET_COLUMNS },
  label: 'default_12m',
  model: { family: 'lr' },
  validation: { splitColumn: 'split' },
  outputs: ['parameters', 'metrics', 'curves'],
  ...extra,
});

export interface JobOutcome {
  id: string;
  state: string;
  reason: string | null;
  results: { released: { parameters?: { model: { state: { encoder: Encoder } } }; metrics?: { rows: { train: number; test: number } } }; withheld: { part: string; reason: string }[] };
}

type Encoder = { columns: ({ kind: 'numeric'; name: string; mean: number; scale: number } | { kind: 'categorical'; name: string; levels: string[] })[] };

/** Submits, has the steward approve, waits, and reads the results as the bank. */
export async function runJob(w: HostileWorld, who: Who, spec: object): Promise<JobOutcome> {
  const { id } = await w.t.client(who).request<{ id: string }>('POST', 'v1/jobs', { json: spec });
  await w.t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
  const state = await waitForJob(w.t, id, who);
  const view = await w.t.client(who).request<{ reason: string | null }>('GET', `v1/jobs/${id}`);
  const results = await w.t.client(who).request<JobOutcome['results']>('GET', `v1/jobs/${id}/results`);
  return { id, state, reason: view.reason, results };
}

export function encoderOf(job: JobOutcome): Encoder {
  const encoder = job.results.released.parameters?.model.state.encoder;
  if (!encoder) throw new Error(`job ${job.id} released no encoder`);
  return encoder;
}

/**
 * The attacker's arithmetic on released encoders: sum_i sign_i * n_i * mean_i per column, with the
 * populations' sizes n_i as the bank knows them (every id it chose is on the platform). Returns each
 * column's error against the target's true value, in units of the column's standard deviation.
 */
export function reconstructionErrors(w: HostileWorld, terms: { encoder: Encoder; n: number; sign: 1 | -1 }[]): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const name of TARGET_COLUMNS) {
    let estimate = 0;
    for (const { encoder, n, sign } of terms) {
      const column = encoder.columns.find((c) => c.name === name);
      if (!column || column.kind !== 'numeric') throw new Error(`no numeric column ${name} in the encoder`);
      estimate += sign * n * column.mean;
    }
    errors[name] = Math.abs(estimate - w.target.values[name]) / w.stats[name].sd;
  }
  return errors;
}

export function summary(errors: Record<string, number>): string {
  const values = Object.values(errors);
  return `min ${Math.min(...values).toFixed(3)} sd, median ${values.sort((a, b) => a - b)[Math.floor(values.length / 2)].toFixed(3)} sd over ${values.length} columns`;
}

/** Opens an encrypted-label training session on an approved job; answers the HTTP status and body. */
export async function openHeTraining(w: HostileWorld, who: Who, job: string, crypto: BankCrypto): Promise<{ status: number; json: () => any }> {
  return w.t.call(who, 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet: 'n16384' }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });
}

export async function heKeys(): Promise<BankCrypto> {
  return BankCrypto.create('n16384', rotationSteps('n16384'));
}
