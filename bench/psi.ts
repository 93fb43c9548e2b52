/**
 * PSI benchmark: `jointlab upload`'s ECDH-PSI end to end over loopback HTTP (the enclave in-process,
 * both sides on worker threads), n bank ids against m platform ids, half of the bank's on the platform.
 * The enclave blinds its own m ids ahead of the session, after the import (timed apart); the session
 * then needs 2n + m multiplications. Prints wall time, bytes each way, and the reference measured in
 * the same run: OpenSSL's bare X25519 multiplications per second here on as many threads as a side
 * uses, times the multiplications, so that the ratio shows what the protocol costs beyond the bare crypto.
 * `--million` adds 1M x 1M; `--sizes 1000,20000` runs other sizes.
 */
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { addPrincipal } from '../enclave/auth/principals';
import { startEnclave } from '../enclave/service';
import { EnclaveClient } from '../lab/client/enclave-client';
import { alignIds } from '../lab/client/psi-align';
import { BlindPool } from '../lab/psi/blind-pool';
import { hashToPoint } from '../lab/psi/hash-to-point';
import { POINT_BYTES, curveBackend, curveBackends, multiplierFor, newScalar } from '../lab/psi/x25519';

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;

/**
 * Bare X25519 multiplications a second, measured on `threads` worker threads at once (the machine is
 * shared, so a one-thread figure times the cores would flatter the reference): a public key imported
 * once, then derive after derive. Also the one-thread rate of a PSI point in lab/psi (hash, then
 * multiply) with each backend this machine has.
 */
async function rawRate(threads: number, seconds = 3): Promise<{ bare: number; cpuPerOp: number; perPoint: Record<string, number> }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { diffieHellman, generateKeyPairSync } = require('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    let n = 0;
    while (elapsed() < workerData) { for (let i = 0; i < 200; i++) diffieHellman({ privateKey, publicKey }); n += 200; }
    parentPort.postMessage(n);`;
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  const counts = await Promise.all(
    Array.from({ length: threads }, () => new Promise<number>((resolve, reject) => new Worker(code, { eval: true, workerData: seconds }).once('message', resolve).once('error', reject))),
  );
  const ops = counts.reduce((a, b) => a + b, 0);
  const used = process.cpuUsage(cpu);
  const bare = ops / since(wall);
  const cpuPerOp = (used.user + used.system) / 1e6 / ops;
  const perPoint: Record<string, number> = {};
  const out = Buffer.alloc(POINT_BYTES);
  for (const backend of curveBackends) {
    const multiply = multiplierFor(newScalar(), backend);
    let n = 0;
    const t = process.hrtime.bigint();
    while (since(t) < 1) {
      for (let i = 0; i < 200; i++) multiply(hashToPoint('bench', String(n + i)), out, 0);
      n += 200;
    }
    perPoint[backend] = n / since(t);
  }
  return { bare, cpuPerOp, perPoint };
}

function parseSizes(argv: string[]): number[] {
  const at = argv.indexOf('--sizes');
  if (at >= 0) return argv[at + 1].split(',').map(Number);
  return argv.includes('--million') ? [100_000, 1_000_000] : [100_000];
}

async function main(): Promise<void> {
  const sizes = parseSizes(process.argv.slice(2));
  const workers = Math.min(2, availableParallelism());
  console.log(`PSI benchmark (ECDH-PSI on X25519 through ${curveBackend}; enclave in-process, real HTTP on loopback; ${workers} worker threads a side on ${availableParallelism()} cores)`);
  const describe = (when: string, r: Awaited<ReturnType<typeof rawRate>>) =>
    console.log(
      `reference ${when}: OpenSSL's bare X25519 ${Math.round(r.bare).toLocaleString('en')} multiplications/s on ${workers} threads at once, ${(r.cpuPerOp * 1e6).toFixed(1)} µs of CPU each; one PSI point (hash, multiply) on one thread: ${Object.entries(
        r.perPoint,
      )
        .map(([backend, rate]) => `${Math.round(rate).toLocaleString('en')}/s through ${backend}`)
        .join(', ')}`,
    );

  const dir = mkdtempSync(join(tmpdir(), 'jointlab-bench-psi-'));
  const enclave = await startEnclave({ db: join(dir, 'enclave.db'), port: 0, settings: { csvLimit: '256mb' } });
  const pool = new BlindPool(workers);
  try {
    const steward = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 's', role: 'steward', org: 'platform' }, 'bench')).token);
    const bank = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 'b', role: 'bank', org: 'bank-a' }, 'bench')).token);
    for (const n of sizes) {
      const m = n;
      const platformIds = Array.from({ length: m }, (_, i) => `91330106${String(i).padStart(10, '0')}`);
      const dataset = `platform-${n}`;
      await steward.request('POST', 'v1/datasets', { csv: `id,x\n${platformIds.map((id, i) => `${id},${i % 7}`).join('\n')}\n`, query: { name: dataset, idColumn: 'id' } });
      // The enclave blinds its own ids after the import, before any bank asks: timed apart, as it is no session's wait.
      const ahead = process.hrtime.bigint();
      await enclave.psiPrepared(dataset);
      const aheadSeconds = since(ahead);
      // Half of the bank's ids are on the platform; the other half are not.
      const ids = [...platformIds.slice(0, n / 2), ...Array.from({ length: n - n / 2 }, (_, i) => `91440300${String(i).padStart(10, '0')}`)];
      // Measured just before and just after the run, and averaged: a shared machine's load moves during a long run.
      const before = await rawRate(workers);
      describe('before', before);
      let last = 0;
      const cpu = process.cpuUsage();
      const r = await alignIds(bank, {
        dataset,
        ids,
        pool,
        progress: (done, total) => {
          const share = Math.floor((10 * done) / total);
          if (share > last) process.stderr.write(`  ${share * 10}%`);
          last = Math.max(last, share);
        },
      });
      const used = process.cpuUsage(cpu);
      process.stderr.write('\n');
      // The session's end starts the next session's set in the background: the reference waits for it, as it would share the cores.
      await enclave.psiPrepared(dataset);
      const after = await rawRate(workers);
      describe('after', after);
      const rate = { bare: (before.bare + after.bare) / 2, cpuPerOp: (before.cpuPerOp + after.cpuPerOp) / 2 };
      // The enclave's m multiplications were made ahead; the session makes the bank's n twice and the platform's m once more.
      const operations = 2 * n + m;
      const reference = operations / rate.bare;
      // The machine is shared: CPU time against the bare multiplications' CPU time says what the protocol adds, whatever the load.
      const cpuSeconds = (used.user + used.system) / 1e6;
      console.log(`\n${n.toLocaleString('en')} x ${m.toLocaleString('en')}: intersection ${r.matched.length.toLocaleString('en')}, ${r.seconds.toFixed(1)} s end to end, ${mb(r.traffic.up)} up, ${mb(r.traffic.down)} down`);
      console.log(`  made ahead after the import: the enclave's ${m.toLocaleString('en')} blinded ids in ${aheadSeconds.toFixed(1)} s (bare crypto ${(m / rate.bare).toFixed(1)} s)`);
      console.log(`  ${operations.toLocaleString('en')} X25519 multiplications: bare crypto on ${workers} cores ${reference.toFixed(1)} s; ours / bare = ${(r.seconds / reference).toFixed(2)}x (${Math.round(operations / r.seconds).toLocaleString('en')} multiplications/s achieved)`);
      console.log(`  CPU, both sides: ${cpuSeconds.toFixed(1)} s against ${(operations * rate.cpuPerOp).toFixed(1)} s for the bare multiplications = ${(cpuSeconds / (operations * rate.cpuPerOp)).toFixed(2)}x`);
      if (n === 1_000_000) console.log(`  target: under 60 s on 2 cores; OpenSSL's bare multiplications alone need ${reference.toFixed(0)} s here`);
    }
  } finally {
    await pool.close();
    await enclave.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
