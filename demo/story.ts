/**
 * The main job, end to end on a temporary database and synthetic data: the steward imports the
 * platform table, the bank uploads its customers, submits a joint and a bank-only spec, the steward
 * approves, both train in the enclave, the bank reads what was released, scores applicants with the
 * joint model (the platform part from the enclave, its own part on its side), and the audit chain verifies.
 * Every step goes over real HTTP through the same client the CLI uses; the demo is a client of both
 * sides, so it lives outside the enclave and reaches it only through the service start and its tokens.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnclaveClient } from '../lab/client/enclave-client';
import { uploadWithPsi } from '../lab/client/psi-upload';
import { PMML_KINDS } from '../lab/export/pmml';
import { formatCsv, parseCsv } from '../lab/data/csv';
import { heScore, heTrain } from '../lab/he/protocols';
import { auc } from '../models/metrics';
import { fixed, table } from '../lab/text';
import { JointlabError } from '../lab/errors';
import { JobState, isFinal } from '../lab/lifecycle';
import { JobSpec } from '../lab/spec/job-spec';
import { BANK_COLUMNS, PLATFORM_COLUMNS, SYNTH_DEFAULTS } from '../lab/synth/generate';
import { writeSynth } from '../lab/synth/write';
import { BinaryMetrics } from '../models/metrics';
import { ModelKind } from '../models/model';
import { RunningEnclave, startEnclave } from '../enclave/service';
import type { JobResults } from '../lab/api/results';
import type { DatasetMeta } from '../lab/api/datasets';
import type { AuditVerdict } from '../lab/api/audit';
import type { JobView } from '../lab/api/jobs';
import type { ConsentImport } from '../lab/api/consents';
import { DemoJointScoring, jointScoringStep } from './joint-scoring';

export interface DemoOptions {
  seed: number;
  model: ModelKind;
  /** Keep the temporary folder (database and CSV files) for a look afterwards. */
  keep?: boolean;
  /** Prints a line of the story; `step` false continues the previous step. */
  say?: (line: string, step?: boolean) => void;
  onProgress?: (done: number, total: number, note?: string) => void;
  /** Run the two encrypted steps too (default yes). */
  encrypted?: boolean;
  /** Folder to write the joint model's report and exported model into (created if missing). */
  out?: string;
}

export interface DemoRun {
  name: string;
  jobId: string;
  state: JobState;
  features: number;
  metrics?: { train?: BinaryMetrics; test?: BinaryMetrics };
  withheld: { part: string; reason: string }[];
}

export interface DemoEncrypted {
  training: { rounds: number; floodBits: number; megabytes: { up: number; down: number }; seconds: number };
  scoring: { scored: number; refused: number; auc: number; seconds: number };
}

export interface DemoOutcome {
  folder: string | null;
  runs: DemoRun[];
  lift: number;
  /** The bank scoring applicants with the joint model: platform part from the enclave, bank part on its side (absent for an MLP). */
  jointScoring?: DemoJointScoring;
  encrypted?: DemoEncrypted;
  audit: AuditVerdict;
  /** The joint job's report (compared with the bank-only job) and its model for decision engines. */
  files?: { report: string; model: string };
}

/** Platform features of the encrypted steps: numeric ones, so the scored model needs no category levels. */
const HE_FEATURES = ['tax_arrears', 'vat_paid_12m_10k', 'electricity_yoy', 'utility_arrears_months', 'court_cases_3y', 'enforcement_records', 'years_established', 'admin_penalties_3y'];

/** Sensitive and forbidden columns the demo's steward marks, to show policy at work. */
const SENSITIVE = ['dishonest_debtor'];
const FORBIDDEN = ['shareholder_changes_3y'];

export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const say = options.say ?? (() => undefined);
  const folder = mkdtempSync(join(tmpdir(), 'jointlab-demo-'));
  const enclave = await startEnclave({ db: join(folder, 'enclave.db'), port: 0 });
  try {
    await seedDemoSecrets(enclave, options.seed);
    say(`enclave started on ${enclave.url} with a temporary SQLite database`);
    const { files } = writeSynth({ ...SYNTH_DEFAULTS, seed: options.seed }, join(folder, 'synth'));
    const steward = new EnclaveClient(enclave.url, await enclave.issueToken({ name: 'steward', role: 'steward', org: 'platform' }));
    const bank = new EnclaveClient(enclave.url, await enclave.issueToken({ name: 'risk-team', role: 'bank', org: SYNTH_DEFAULTS.bank }));

    const dataset = await steward.request<DatasetMeta>('POST', 'v1/datasets', {
      csv: readFileSync(files.platform),
      query: { name: 'platform', idColumn: 'id', sensitive: SENSITIVE.join(','), forbidden: FORBIDDEN.join(',') },
    });
    say(`steward imported the platform table: ${dataset.rows} enterprises, ${dataset.columns.length - 1} columns (${SENSITIVE.join(', ')} sensitive, ${FORBIDDEN.join(', ')} forbidden)`);
    // The bank's ids meet the platform's by private set intersection first: only the rows in common are uploaded.
    const { meta: upload, psi } = await uploadWithPsi(bank, { file: 'bank.csv', csv: readFileSync(files.bank), name: 'customers', idColumn: 'id', dataset: 'platform' });
    say(`bank aligned its ${psi.customers} customer ids with the platform's by private set intersection (ECDH-PSI): ${psi.intersection} in common, in ${psi.seconds.toFixed(1)} s; no other id would have left the bank`);
    say(`bank uploaded ${upload.rows} customers with their default label and ${upload.columns.length - 1} features of its own`);

    const bankColumns = BANK_COLUMNS.filter((c) => c !== 'id' && c !== 'default_12m');
    const platformColumns = PLATFORM_COLUMNS.filter((c) => c !== 'id' && !FORBIDDEN.includes(c));
    const base = { label: 'default_12m', model: { family: options.model }, validation: { testFraction: 0.3, seed: options.seed } };
    const specs: [string, JobSpec][] = [
      ['bank only', { ...base, name: `bank-only-${options.model}`, purpose: 'baseline on the bank\'s own data', bank: { upload: 'customers', columns: bankColumns } }],
      [
        'joint',
        {
          ...base,
          name: `joint-${options.model}`,
          purpose: 'SME credit line decisions with platform data',
          bank: { upload: 'customers', columns: bankColumns },
          platform: { dataset: 'platform', columns: platformColumns },
        },
      ],
    ];
    const jobs: { name: string; id: string; features: number }[] = [];
    for (const [name, spec] of specs) {
      const view = await bank.request<JobView>('POST', 'v1/jobs', { json: spec });
      jobs.push({ name, id: view.id, features: (spec.bank?.columns?.length ?? 0) + (spec.platform?.columns.length ?? 0) });
    }
    say(`bank submitted ${jobs.length} specs: ${specs.map(([, s]) => s.name).join(', ')}`);
    for (const job of jobs) {
      await steward.request('POST', `v1/jobs/${job.id}/approve`, { json: { allowSensitive: job.name === 'joint' ? SENSITIVE : [] } });
    }
    say(`steward approved both (allowing ${SENSITIVE.join(', ')} for the joint model explicitly)`);

    const runs: DemoRun[] = [];
    for (const [index, job] of jobs.entries()) {
      let state: JobState = 'approved';
      for (;;) {
        const view = await bank.request<JobView>('GET', `v1/jobs/${job.id}`);
        state = view.state;
        options.onProgress?.(index + view.progress, jobs.length, `${job.name}: ${state}`);
        if (isFinal(state)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      if (state !== 'released' && state !== 'withheld') throw new JointlabError('demo_failed', `the ${job.name} job ended ${state}`, 'server');
      const results = await bank.request<JobResults>('GET', `v1/jobs/${job.id}/results`);
      runs.push({ name: job.name, jobId: job.id, state: results.state, features: job.features, metrics: results.released.metrics, withheld: results.withheld });
    }
    const aucOf = (name: string): number => runs.find((r) => r.name === name)?.metrics?.test?.auc ?? NaN;
    say('the bank read what the release check let out (aggregates only, k = 10):');
    for (const line of table([
      ['model', 'features', 'test AUC', 'test KS', 'state'],
      ...runs.map((r) => [r.name, String(r.features), fixed(r.metrics?.test?.auc ?? NaN), fixed(r.metrics?.test?.ks ?? NaN), r.state]),
    ]).split('\n')) {
      say(`   ${line}`, false);
    }
    for (const r of runs) for (const w of r.withheld) say(`   ${r.name}: withheld ${w.part}: ${w.reason}`, false);
    const lift = aucOf('joint') - aucOf('bank only');
    say(`   joint lift in test AUC: ${lift >= 0 ? '+' : ''}${fixed(lift)}`, false);
    const written = options.out ? await writeDeliverables(bank, runs.find((r) => r.name === 'joint')!, options.model, options.out) : undefined;
    if (written) say(`bank saved the joint model's report (${written.report}) and its model for a decision engine (${written.model})`);
    const consents = await steward.request<ConsentImport>('POST', 'v1/consents', { csv: consentsAsOfToday(readFileSync(files.consent, 'utf8')) });
    say(`steward imported ${consents.records} consent records`);
    const jointScoring = await jointScoringStep(bank, jobs.find((j) => j.name === 'joint')!.id, { spec: specs.find(([name]) => name === 'joint')![1], steward }, files.bank, say);
    const encrypted = options.encrypted === false ? undefined : await encryptedSteps(steward, bank, files, say);
    const audit = await steward.request<AuditVerdict>('GET', 'v1/audit/verify');
    return { folder: options.keep ? folder : null, runs, lift, ...(jointScoring ? { jointScoring } : {}), encrypted, audit, ...(written ? { files: written } : {}) };
  } finally {
    await enclave.close();
    if (!options.keep) rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * The day the demo's story is told on: the synthetic consents (granted and expiring on fixed dates)
 * are moved by whole days so that on any calendar day the same ones are in force as on this one,
 * and the same seed prints the same consent and scoring figures whenever it runs.
 */
export const DEMO_DATE = '2026-12-01';

/** `today` defaults to the enclave's clock, which decides which consents are in force. */
export function consentsAsOfToday(csv: string, today = new Date()): string {
  const day = 86_400_000;
  const shift = Math.floor(today.getTime() / day) - Math.floor(Date.parse(DEMO_DATE) / day);
  const move = (date: string) => new Date(Date.parse(date) + shift * day).toISOString().slice(0, 10);
  const table = parseCsv(csv, 'consent.csv');
  const at = ['granted', 'expires'].map((c) => table.header.indexOf(c));
  return formatCsv(table.header, table.rows.map((r) => r.map((cell, j) => (at.includes(j) && cell ? move(cell) : cell))));
}

/**
 * The demo enclave's noise keys, derived from the seed: its released figures are keyed noise
 * (enclave/release/population.ts), and with a fresh random key per temporary enclave the same seed
 * would print other figures on every run. A real enclave draws its keys at random and keeps them.
 */
async function seedDemoSecrets(enclave: RunningEnclave, seed: number): Promise<void> {
  for (const name of ['population-key', 'score-noise-key']) {
    const key = createHash('sha256').update(`jointlab demo\u0000${name}\u0000${seed}`).digest();
    await enclave.db.run('INSERT OR REPLACE INTO secrets (name, value) VALUES (?, ?)', [name, key]);
  }
}

/** The report (which compares with the bank-only job by itself) and the model: PMML where the family has it. */
async function writeDeliverables(bank: EnclaveClient, joint: DemoRun, kind: ModelKind, out: string): Promise<{ report: string; model: string }> {
  mkdirSync(out, { recursive: true });
  const report = join(out, `report-${joint.jobId}.html`);
  writeFileSync(report, await bank.send('GET', `v1/jobs/${joint.jobId}/report`));
  const format = (PMML_KINDS as readonly string[]).includes(kind) ? 'pmml' : 'json';
  const model = join(out, `${joint.jobId}.${format}`);
  writeFileSync(model, await bank.send('GET', `v1/jobs/${joint.jobId}/model`, { query: { format } }));
  return { report, model };
}

/**
 * The encrypted half of the story: the bank trains a logistic regression on platform features with
 * its labels encrypted, then scores its consented customers with that model encrypted, and measures
 * AUC on them with its own labels. The platform sees neither the labels nor the model.
 */
async function encryptedSteps(steward: EnclaveClient, bank: EnclaveClient, files: { platform: string; bank: string; consent: string }, say: (line: string, step?: boolean) => void): Promise<DemoEncrypted> {
  const table = parseCsv(readFileSync(files.bank, 'utf8'), files.bank);
  const ids = table.rows.map((r) => r[0]);
  const labelAt = table.header.indexOf('default_12m');
  const labels = table.rows.map((r) => Number(r[labelAt]));
  await bank.request('POST', 'v1/uploads', { csv: `id\n${ids.join('\n')}\n`, query: { name: 'customer-ids' } });
  const approve = async (spec: JobSpec): Promise<string> => {
    const { id } = await bank.request<JobView>('POST', 'v1/jobs', { json: spec });
    await steward.request('POST', `v1/jobs/${id}/approve`, { json: {} });
    return id;
  };
  const platform = { dataset: 'platform', columns: HE_FEATURES };
  const trainJob = await approve({ name: 'he-train', purpose: 'model on platform data without showing labels', mode: 'he-train', bank: { upload: 'customer-ids' }, platform, model: { family: 'lr' } });
  const trained = await heTrain({ client: bank, job: trainJob, paramSet: 'n16384', labels: { ids, values: labels } });
  say(
    `bank trained logistic regression on ${HE_FEATURES.length} platform features with its labels encrypted (CKKS, N = 16384): ${trained.rounds} decrypted rounds (the last ${trained.averaged} averaged in one answer), ` +
      `noise flooding >= ${trained.floodBits.toFixed(1)} bits, ${(trained.traffic.up / 1e6).toFixed(1)} MB up / ${(trained.traffic.down / 1e6).toFixed(1)} MB down, ${trained.seconds.total.toFixed(1)} s`,
  );
  const scoreJob = await approve({ name: 'he-score', purpose: 'score consented customers privately', mode: 'he-score', platform, model: { family: 'lr' } });
  const scored = await heScore({ client: bank, job: scoreJob, paramSet: 'n16384', model: trained.model, ids });
  const labelOf = new Map(ids.map((id, i) => [id, labels[i]]));
  const scoredAuc = auc(scored.scores.map((s) => labelOf.get(s.id)!), scored.scores.map((s) => s.score));
  say(
    `bank scored its customers with that model encrypted: ${scored.scores.length} with scoring consent scored, ${scored.refused.length} refused by id; ` +
      `AUC on the scored ones ${scoredAuc.toFixed(4)} (${scored.seconds.toFixed(1)} s)`,
  );
  return {
    training: { rounds: trained.rounds, floodBits: trained.floodBits, megabytes: { up: trained.traffic.up / 1e6, down: trained.traffic.down / 1e6 }, seconds: trained.seconds.total },
    scoring: { scored: scored.scores.length, refused: scored.refused.length, auc: scoredAuc, seconds: scored.seconds },
  };
}
