/**
 * Stress run (`npm run stress`): tens of thousands of seeded hostile requests against an enclave
 * started as its own process on loopback, as in production. Prints answers by status class and
 * error code, the 5xx count and the throughput against valid requests in the same run; exits
 * non-zero on any 5xx, any error that is not a problem with a code, or an enclave that stopped.
 *
 *   node dist/bench/fuzz.js [--seed N] [--count N] [--seconds N] [--concurrency N] [--no-seal-contents]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addPrincipal } from '../enclave/auth/principals';
import { openStore } from '../enclave/store/schema';
import { EnclaveClient } from '../lab/client/enclave-client';
import { writeSynth } from '../lab/synth/write';
import { FuzzFailure, runFuzz } from './fuzz-client';
import { FUZZ_ROLES, FuzzRole } from './fuzz-requests';
import { prepareFuzzTarget } from './fuzz-target';
import type { AuditVerdict } from '../lab/api/audit';

const CLI = join(__dirname, '..', 'cli', 'main.js');

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} needs a whole number`);
  return value;
}

function startEnclave(db: string): Promise<{ url: string; child: ChildProcess; exited: () => boolean }> {
  const child = spawn(process.execPath, [CLI, 'enclave', 'start', '--port', '0', '--host', '127.0.0.1', '--db', db, '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let exited = false;
  child.on('exit', () => (exited = true));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1], child, exited: () => exited });
    });
    child.on('exit', (code) => reject(new Error(`enclave exited with ${code}`)));
  });
}

/** Valid authenticated reads at the same concurrency: the reference the hostile throughput is set against. */
async function referenceRate(client: EnclaveClient, path: string, requests: number, concurrency: number): Promise<number> {
  const started = process.hrtime.bigint();
  let left = requests;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await client.request('GET', path);
    }),
  );
  return requests / (Number(process.hrtime.bigint() - started) / 1e9);
}

const table = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `    ${String(v).padStart(7)}  ${k}`)
    .join('\n');

async function main(): Promise<number> {
  const seed = option('seed', 1);
  const count = option('count', 12_000);
  const seconds = option('seconds', 900);
  const concurrency = option('concurrency', 4);
  const sealContents = !process.argv.includes('--no-seal-contents');
  const dir = mkdtempSync(join(tmpdir(), 'jointlab-stress-'));
  let enclave: Awaited<ReturnType<typeof startEnclave>> | undefined;
  try {
    const db = join(dir, 'enclave.db');
    const store = await openStore(db);
    const tokens = {} as Record<FuzzRole, string>;
    for (const who of FUZZ_ROLES) {
      const role = who.startsWith('bank') ? 'bank' : who;
      const org = who === 'bankA' ? 'bank-a' : who === 'bankB' ? 'bank-b' : role === 'researcher' ? 'university' : 'platform';
      tokens[who] = (await addPrincipal(store, { name: who, role, org }, 'stress')).token;
    }
    await store.close();
    const { files } = writeSynth({ enterprises: 3000, bankCustomers: 1500, seed: 5, bank: 'bank-a' }, join(dir, 'synth'));
    enclave = await startEnclave(db);
    await new EnclaveClient(enclave.url, tokens.steward).request('POST', 'v1/datasets', { csv: readFileSync(files.platform), query: { name: 'platform', idColumn: 'id' } });
    await new EnclaveClient(enclave.url, tokens.bankA).request('POST', 'v1/uploads', { csv: readFileSync(files.bank), query: { name: 'customers' } });
    const { target, dispose } = await prepareFuzzTarget(enclave.url, tokens, files);

    const bank = new EnclaveClient(enclave.url, tokens.bankA);
    const reference = await referenceRate(bank, `v1/jobs/${target.ids.job[0]}`, 1000, concurrency);
    console.log(`fuzz stress: seed ${seed}, up to ${count} requests or ${seconds} s, ${concurrency} at a time, SEAL-valid headers over damaged ciphertexts ${sealContents ? 'included' : 'excluded'}`);
    const failures: FuzzFailure[] = [];
    const tally = await runFuzz({
      url: enclave.url,
      target,
      seed,
      count,
      maxSeconds: seconds,
      concurrency,
      sealContents,
      onFailure: (f) => failures.length < 50 && failures.push(f),
      onProgress: (sent) => process.stderr.isTTY && process.stderr.write(`  ${sent} requests\r`),
    });
    dispose();
    const rate = tally.sent / tally.seconds;
    console.log(`  ${tally.sent} requests (${tally.generated} generated, bursts sent several times at once) in ${tally.seconds.toFixed(1)} s: ${rate.toFixed(0)} requests/s, against ${reference.toFixed(0)}/s valid GET /v1/jobs/:id in the same run (ratio ${(rate / reference).toFixed(2)})`);
    console.log(`  by status class:\n${table(tally.byClass)}`);
    console.log(`  by error code:\n${table(tally.byCode)}`);
    console.log(`  5xx answers: ${tally.fiveXx} (of them to SEAL-valid headers over damaged ciphertexts: ${tally.sealContents.fiveXx} of ${tally.sealContents.sent} such requests)`);
    console.log(`  failed checks (5xx, not problem+json, no code, no answer): ${tally.failures.length}`);
    for (const f of failures.slice(0, 20)) console.log(`    ${f.problem}\n      ${f.request}`);

    const alive = !enclave.exited() && (await fetch(`${enclave.url}/v1/health`).then((r) => r.status === 200, () => false));
    const audit = await new EnclaveClient(enclave.url, tokens.steward).request<AuditVerdict>('GET', 'v1/audit/verify').catch(() => ({ ok: false, entries: 0 }));
    console.log(`  enclave alive afterwards: ${alive ? 'yes' : 'NO'}; audit chain: ${audit.ok ? `verified, ${audit.entries} entries` : 'BROKEN'}`);
    if (tally.generated < count) console.log(`  note: only ${tally.generated} of ${count} requests fit in ${seconds} s`);
    return tally.fiveXx === 0 && tally.failures.length === 0 && alive && audit.ok ? 0 : 1;
  } finally {
    if (enclave && !enclave.exited()) {
      const child = enclave.child;
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
