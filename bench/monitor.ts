/**
 * Monitor benchmark: a monitor job's submission-to-release time on two snapshots of the platform
 * table, against references measured in the same run on the same enclave: importing one snapshot
 * (the steward's read of the rows) and training the monitored joint model (submission to release).
 * Each phase is timed as CPU seconds of this process (every thread), which a machine shared with
 * other work disturbs far less than wall time; wall time is printed beside it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addPrincipal } from '../enclave/auth/principals';
import { startEnclave } from '../enclave/service';
import { EnclaveClient } from '../lab/client/enclave-client';
import { formatCsv, parseCsv } from '../lab/data/csv';
import { PLATFORM_COLUMNS, SYNTH_DEFAULTS } from '../lab/synth/generate';
import { writeSynth } from '../lab/synth/write';
import type { JobResults } from '../lab/api/results';
import type { JobView } from '../lab/api/jobs';

interface Mark {
  wall: bigint;
  cpu: NodeJS.CpuUsage;
}
const mark = (): Mark => ({ wall: process.hrtime.bigint(), cpu: process.cpuUsage() });
/** CPU and wall seconds since `m`. */
const since = (m: Mark): { cpu: number; wall: number } => {
  const cpu = process.cpuUsage(m.cpu);
  return { cpu: (cpu.user + cpu.system) / 1e6, wall: Number(process.hrtime.bigint() - m.wall) / 1e9 };
};
const show = (t: { cpu: number; wall: number }): string => `${t.cpu.toFixed(2)} s CPU (${t.wall.toFixed(2)} s wall)`;

async function settled(client: EnclaveClient, id: string): Promise<string> {
  for (;;) {
    const view = await client.request<JobView>('GET', `v1/jobs/${id}`);
    if (['released', 'withheld', 'failed', 'cancelled', 'rejected'].includes(view.state)) return view.state;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const enterprises = Number(process.env.MONITOR_BENCH_ROWS ?? 50_000);
  const dir = mkdtempSync(join(tmpdir(), 'jointlab-bench-monitor-'));
  const enclave = await startEnclave({ db: join(dir, 'enclave.db'), port: 0 });
  try {
    const { files } = writeSynth({ ...SYNTH_DEFAULTS, enterprises, bankCustomers: Math.min(10_000, enterprises / 2) }, join(dir, 'synth'));
    const token = async (name: string, role: string, org: string) => (await addPrincipal(enclave.db, { name, role, org }, 'bench')).token;
    const steward = new EnclaveClient(enclave.url, await token('steward', 'steward', 'platform'));
    const bank = new EnclaveClient(enclave.url, await token('bank', 'bank', SYNTH_DEFAULTS.bank));
    const platform = readFileSync(files.platform);
    let at = mark();
    await steward.request('POST', 'v1/datasets', { csv: platform, query: { name: 'platform', idColumn: 'id' } });
    const imported = since(at);
    await bank.request('POST', 'v1/uploads', { csv: readFileSync(files.bank), query: { name: 'customers' } });
    const platformColumns = PLATFORM_COLUMNS.filter((c) => c !== 'id' && c !== 'shareholder_changes_3y').slice(0, 12);
    at = mark();
    const joint = (await bank.request<JobView>('POST', 'v1/jobs', { json: { name: 'joint', purpose: 'bench', bank: { upload: 'customers', columns: ['loan_amount_10k', 'relationship_months'] }, platform: { dataset: 'platform', columns: platformColumns }, label: 'default_12m', model: { family: 'lr' } } })).id;
    await steward.request('POST', `v1/jobs/${joint}/approve`, { json: {} });
    if ((await settled(bank, joint)) !== 'released') throw new Error('the monitored job was not released');
    const trained = since(at);
    // Snapshot 2: VAT paid doubled.
    const table = parseCsv(platform.toString('utf8'), 'platform');
    const vat = table.header.indexOf('vat_paid_12m_10k');
    await steward.request('POST', 'v1/datasets', { csv: Buffer.from(formatCsv(table.header, table.rows.map((r) => r.map((c, j) => (j === vat && c !== '' ? String(Number(c) * 2) : c))))), query: { name: 'platform', idColumn: 'id' } });
    at = mark();
    const monitor = (await bank.request<JobView>('POST', 'v1/jobs', { json: { name: 'watch', purpose: 'bench', mode: 'monitor', model: { family: 'lr' }, monitor: { job: joint } } })).id;
    await steward.request('POST', `v1/jobs/${monitor}/approve`, { json: {} });
    if ((await settled(bank, monitor)) !== 'released') throw new Error('the monitor job was not released');
    const monitored = since(at);
    const r = await bank.request<JobResults>('GET', `v1/jobs/${monitor}/results`);
    console.log(`monitor benchmark: ${enterprises} platform rows per snapshot, joint lr with ${platformColumns.length} platform features`);
    console.log(`  import one snapshot           ${show(imported)}`);
    console.log(`  train the joint model         ${show(trained)}, submission to release`);
    console.log(`  monitor two snapshots         ${show(monitored)}, submission to release`);
    console.log(`  ratio monitor / import        ${(monitored.cpu / imported.cpu).toFixed(2)} (CPU)`);
    console.log(`  ratio monitor / training      ${(monitored.cpu / trained.cpu).toFixed(2)} (CPU)`);
    console.log(`  score PSI ${r.released.stability!.score.index} (${r.released.stability!.score.level}); vat_paid_12m_10k CSI ${r.released.stability!.features.find((f) => f.name === 'vat_paid_12m_10k')?.index}`);
  } finally {
    await enclave.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
