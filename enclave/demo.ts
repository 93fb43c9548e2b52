/**
 * The main job, end to end on a temporary database and synthetic data: the steward imports the
 * platform table, the bank uploads its customers, submits a joint and a bank-only spec, the steward
 * approves, both train in the enclave, the bank reads what was released, and the audit chain verifies.
 * Every step goes over real HTTP through the same client the CLI uses.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnclaveClient } from '../lab/client/enclave-client';
import { JointlabError } from '../lab/errors';
import { JobState, isFinal } from '../lab/lifecycle';
import { JobSpec } from '../lab/spec/job-spec';
import { BANK_COLUMNS, PLATFORM_COLUMNS, SYNTH_DEFAULTS } from '../lab/synth/generate';
import { writeSynth } from '../lab/synth/write';
import { BinaryMetrics } from '../models/metrics';
import { ModelKind } from '../models/model';
import { AuditVerdict } from './audit/log';
import { addPrincipal } from './auth/principals';
import { DatasetMeta } from './data/datasets';
import { UploadMeta } from './data/uploads';
import { startEnclave } from './service';

export interface DemoOptions {
  seed: number;
  model: ModelKind;
  /** Keep the temporary folder (database and CSV files) for a look afterwards. */
  keep?: boolean;
  say?: (line: string) => void;
  onProgress?: (done: number, total: number, note?: string) => void;
}

export interface DemoRun {
  name: string;
  jobId: string;
  state: JobState;
  features: number;
  metrics?: { train?: BinaryMetrics; test?: BinaryMetrics };
  withheld: { part: string; reason: string }[];
}

export interface DemoOutcome {
  folder: string | null;
  runs: DemoRun[];
  lift: number;
  audit: AuditVerdict;
}

/** Sensitive and forbidden columns the demo's steward marks, to show policy at work. */
const SENSITIVE = ['dishonest_debtor'];
const FORBIDDEN = ['shareholder_changes_3y'];

interface Results {
  state: JobState;
  released: { metrics?: { train?: BinaryMetrics; test?: BinaryMetrics } };
  withheld: { part: string; reason: string }[];
}

export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const say = options.say ?? (() => undefined);
  const folder = mkdtempSync(join(tmpdir(), 'jointlab-demo-'));
  const enclave = await startEnclave({ db: join(folder, 'enclave.db'), port: 0 });
  try {
    say(`enclave started on ${enclave.url} with a temporary SQLite database`);
    const { files } = writeSynth({ ...SYNTH_DEFAULTS, seed: options.seed }, join(folder, 'synth'));
    const steward = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 'steward', role: 'steward', org: 'platform' }, 'operator')).token);
    const bank = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 'risk-team', role: 'bank', org: SYNTH_DEFAULTS.bank }, 'operator')).token);

    const dataset = await steward.request<DatasetMeta>('POST', 'v1/datasets', {
      csv: readFileSync(files.platform),
      query: { name: 'platform', idColumn: 'id', sensitive: SENSITIVE.join(','), forbidden: FORBIDDEN.join(',') },
    });
    say(`steward imported the platform table: ${dataset.rows} enterprises, ${dataset.columns.length - 1} columns (${SENSITIVE.join(', ')} sensitive, ${FORBIDDEN.join(', ')} forbidden)`);
    const upload = await bank.request<UploadMeta>('POST', 'v1/uploads', { csv: readFileSync(files.bank), query: { name: 'customers', idColumn: 'id' } });
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
      const view = await bank.request<{ id: string }>('POST', 'v1/jobs', { json: spec });
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
        const view = await bank.request<{ state: JobState; progress: number }>('GET', `v1/jobs/${job.id}`);
        state = view.state;
        options.onProgress?.(index + view.progress, jobs.length, `${job.name}: ${state}`);
        if (isFinal(state)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      if (state !== 'released' && state !== 'withheld') throw new JointlabError('demo_failed', `the ${job.name} job ended ${state}`, 'server');
      const results = await bank.request<Results>('GET', `v1/jobs/${job.id}/results`);
      runs.push({ name: job.name, jobId: job.id, state: results.state, features: job.features, metrics: results.released.metrics, withheld: results.withheld });
    }
    const auc = (name: string): number => runs.find((r) => r.name === name)?.metrics?.test?.auc ?? NaN;
    const audit = await steward.request<AuditVerdict>('GET', 'v1/audit/verify');
    return { folder: options.keep ? folder : null, runs, lift: auc('joint') - auc('bank only'), audit };
  } finally {
    await enclave.close();
    if (!options.keep) rmSync(folder, { recursive: true, force: true });
  }
}
