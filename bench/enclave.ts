/**
 * Enclave benchmark: (1) submission-to-result time of a job against `jointlab train` fitting the same
 * model on the same rows, in the same run; (2) requests per second on GET /v1/jobs/:id with
 * concurrent clients, the enclave running as its own process as in production, against Node's bare
 * http server answering the same bytes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addPrincipal } from '../enclave/auth/principals';
import { openStore } from '../enclave/store/schema';
import { parseCsv } from '../lab/data/csv';
import { EnclaveClient } from '../lab/client/enclave-client';
import { BANK_COLUMNS, PLATFORM_COLUMNS, SYNTH_DEFAULTS } from '../lab/synth/generate';
import { writeSynth } from '../lab/synth/write';
import { train } from '../lab/train';
import { ModelKind } from '../models/model';
import type { JobView } from '../lab/api/jobs';
import type { ScoreAnswer } from '../lab/api/scoring';
import { load } from './load';

const CLI = join(__dirname, '..', 'cli', 'main.js');

/** Starts a node process running `args` and waits for its "listening on URL" line. */
function startProcess(args: string[], env: Record<string, string> = {}): Promise<{ url: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1], pid: child.pid!, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
}

function startEnclave(db: string): Promise<{ url: string; pid: number; stop: () => void }> {
  return startProcess([CLI, 'enclave', 'start', '--port', '0', '--db', db, '--quiet']);
}

/** User + system CPU seconds a process has used so far (Linux /proc; NaN elsewhere). */
function processCpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesized command name: state is field 3, utime 14 and stime 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, 100 a second on Linux
  } catch {
    return NaN;
  }
}

const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jointlab-bench-enclave-'));
  try {
    const { files } = writeSynth(SYNTH_DEFAULTS, join(dir, 'synth'));
    const db = join(dir, 'enclave.db');
    const store = await openStore(db);
    const stewardToken = (await addPrincipal(store, { name: 'steward', role: 'steward', org: 'platform' }, 'bench')).token;
    const bankToken = (await addPrincipal(store, { name: 'bank', role: 'bank', org: SYNTH_DEFAULTS.bank }, 'bench')).token;
    await store.close();
    const enclave = await startEnclave(db);
    try {
      const steward = new EnclaveClient(enclave.url, stewardToken);
      const bank = new EnclaveClient(enclave.url, bankToken);
      await steward.request('POST', 'v1/datasets', { csv: readFileSync(files.platform), query: { name: 'platform', idColumn: 'id' } });
      await bank.request('POST', 'v1/uploads', { csv: readFileSync(files.bank), query: { name: 'customers' } });
      const bankColumns = BANK_COLUMNS.filter((c) => c !== 'id' && c !== 'default_12m');
      const platformColumns = PLATFORM_COLUMNS.filter((c) => c !== 'id');

      console.log(`enclave benchmark: ${SYNTH_DEFAULTS.bankCustomers} bank customers joined to ${SYNTH_DEFAULTS.enterprises} platform rows, ${bankColumns.length + platformColumns.length} features`);
      console.log('  model      jointlab train s  submit-to-result s  ratio enclave/local');
      let lastJob = '';
      for (const family of ['lr', 'scorecard'] as ModelKind[]) {
        const localStart = process.hrtime.bigint();
        await train({ data: [files.bank, files.platform], id: 'id', label: 'default_12m', model: family, features: [...bankColumns, ...platformColumns], testFraction: 0.3, seed: 42 });
        const local = seconds(localStart);
        const spec = {
          name: `bench-${family}`,
          purpose: 'benchmark',
          bank: { upload: 'customers', columns: bankColumns },
          platform: { dataset: 'platform', columns: platformColumns },
          label: 'default_12m',
          model: { family },
        };
        const started = process.hrtime.bigint();
        const { id } = await bank.request<JobView>('POST', 'v1/jobs', { json: spec });
        await steward.request('POST', `v1/jobs/${id}/approve`, { json: {} });
        for (;;) {
          const { state } = await bank.request<JobView>('GET', `v1/jobs/${id}`);
          if (state === 'released' || state === 'withheld' || state === 'failed') break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await bank.request('GET', `v1/jobs/${id}/results`);
        const remote = seconds(started);
        console.log(`  ${family.padEnd(10)} ${local.toFixed(3).padStart(16)}  ${remote.toFixed(3).padStart(18)}  ${(remote / local).toFixed(2).padStart(19)}x`);
        lastJob = id;
      }

      // The report and the PMML file are drawn from the stored results on each request: their cost
      // against reading the results as JSON, one client, same job (the scorecard).
      const perRequest = async (path: string): Promise<number> => {
        const rounds = 200;
        const started = process.hrtime.bigint();
        for (let i = 0; i < rounds; i++) {
          const res = await fetch(`${enclave.url}${path}`, { headers: { authorization: `Bearer ${bankToken}` } });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${path}: status ${res.status}`);
        }
        return (seconds(started) * 1000) / rounds;
      };
      const resultsMs = await perRequest(`/v1/jobs/${lastJob}/results`);
      for (const [name, path] of [['report (HTML)', `/v1/jobs/${lastJob}/report`], ['model (PMML)', `/v1/jobs/${lastJob}/model?format=pmml`]] as const) {
        const ms = await perRequest(path);
        console.log(`  GET ${name}: ${ms.toFixed(2)} ms a request against ${resultsMs.toFixed(2)} ms for the results JSON (${(ms / resultsMs).toFixed(2)}x)`);
      }

      // Plaintext scoring of consented enterprises with a platform-only model, 100 ids a request.
      await steward.request('POST', 'v1/consents', { csv: readFileSync(files.consent) });
      const scorer = await bank.request<JobView>('POST', 'v1/jobs', {
        json: { name: 'bench-score', purpose: 'benchmark', bank: { upload: 'customers' }, platform: { dataset: 'platform', columns: platformColumns }, label: 'default_12m', model: { family: 'lr' } },
      });
      await steward.request('POST', `v1/jobs/${scorer.id}/approve`, { json: {} });
      while (!['released', 'withheld', 'failed'].includes((await bank.request<JobView>('GET', `v1/jobs/${scorer.id}`)).state)) await new Promise((r) => setTimeout(r, 20));
      const scoringIds = parseCsv(readFileSync(files.consent, 'utf8'), 'consent').rows.filter((r) => r[1] === SYNTH_DEFAULTS.bank && r[2] === 'scoring').map((r) => r[0]);
      const batches = 50;
      let scored = 0;
      const scoreStart = process.hrtime.bigint();
      for (let b = 0; b < batches; b++) {
        const answer = await bank.request<ScoreAnswer>('POST', 'v1/score', { json: { job: scorer.id, ids: scoringIds.slice(b * 100, b * 100 + 100) } });
        scored += answer.scores.length;
      }
      const scoreMs = (seconds(scoreStart) * 1000) / batches;
      console.log(`  POST /v1/score, 100 ids a request (${scored} scored in all): ${scoreMs.toFixed(2)} ms a request against ${resultsMs.toFixed(2)} ms for the results JSON (${(scoreMs / resultsMs).toFixed(2)}x)`);

      // Request rate on one job's view, against Node's bare http server answering the same bytes in
      // its own process: the ratio is what the enclave's auth, SQL and JSON cost on top of HTTP itself.
      const view = await (await fetch(`${enclave.url}/v1/jobs/${lastJob}`, { headers: { authorization: `Bearer ${bankToken}` } })).text();
      const reference = await startProcess([join(__dirname, 'reference-server.js')], { JOINTLAB_BENCH_BODY: view });
      try {
        const headers = { authorization: `Bearer ${bankToken}` };
        // The server's own CPU time per request (from /proc): unlike the rate, it does not depend on
        // how much of the machine the load generator and other processes got meanwhile.
        const serverLoad = async (server: { url: string; pid: number }, clients: number) => {
          const total = 4000;
          const cpuBefore = processCpuSeconds(server.pid);
          const result = await load(`${server.url}/v1/jobs/${lastJob}`, headers, clients, total);
          return { ...result, cpuMicros: ((processCpuSeconds(server.pid) - cpuBefore) * 1e6) / total };
        };
        for (const clients of [1, 8, 32]) {
          const [ours, bare] = [await serverLoad(enclave, clients), await serverLoad(reference, clients)];
          console.log(
            `  GET /v1/jobs/:id, ${String(clients).padStart(2)} concurrent clients: ${ours.perSecond.toFixed(0)} requests/s (p50 ${ours.p50.toFixed(2)} ms, p99 ${ours.p99.toFixed(2)} ms), ` +
              `server CPU ${ours.cpuMicros.toFixed(0)} us a request; bare node:http with the same body ${bare.perSecond.toFixed(0)} requests/s, ${bare.cpuMicros.toFixed(0)} us; ` +
              `ratio ${(ours.perSecond / bare.perSecond).toFixed(2)} (rate), ${(ours.cpuMicros / bare.cpuMicros).toFixed(2)}x (CPU)`,
          );
        }
      } finally {
        reference.stop();
      }
    } finally {
      enclave.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
