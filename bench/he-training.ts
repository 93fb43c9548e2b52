/**
 * Encrypted-label training end to end on the shared data (30,000 rows x the host's 10 features, the
 * guest's labels), step by step, beside plaintext logistic regression on the same rows in the same
 * run. `node dist/bench/he-training.js [runs]` runs it alone (default 1 run; with more, one column per
 * run: the first is the enclave's first session since it started; `--fresh-uploads`: each run a new
 * upload of the same ids in another order, as a bank that uploads anew for each training), then one round's SEAL work as it was
 * and as it is now, in one thread, and the bank's keys SEAL's way and the ring's; `bench/he.ts` runs both once.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { HeTrainResult } from '../lab/he/protocols';
import { loadJoined } from '../lab/train';
import { frameOf, labelsOf } from '../lab/data/columns';
import { logisticRegression } from '../models/logistic-regression';
import { BankCrypto } from '../lab/he/bank-crypto';
import { rotationSteps, slotsOf } from '../lab/he/params';
import { DEFAULT_FLOOD } from '../enclave/he/enclave-crypto';
import { RoundInput, encryptedXty, floodZeros, newtonRound } from '../enclave/he/training-crypto';
import { HeBenchClients, withHeBenchEnclave } from './he-enclave';
import { TrainingStep, trainingSteps } from '../enclave/he/training-steps';
import { sealPoolRehearsed } from '../enclave/he/seal-pool';

const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'datasets');
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;
const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;

export type TrainingBenchClients = HeBenchClients;

/** A training result as the bank's process (bench/he-bank.ts) prints it: `loaded` is its Node and module start. */
type BankRun = HeTrainResult & { loaded: number };

/** One training with the bank in a fresh process of its own, as `jointlab he train --job` runs on the bank's machine. */
async function bankProcess(bank: HeBenchClients['bank'], job: string, labelsFile: string): Promise<BankRun> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'he-bank.js'), bank.url, bank.token ?? '', job, labelsFile], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as BankRun;
}

/**
 * Runs the training `runs` times (a new job and session each) and prints each step of each run; false
 * when the shared data is missing. With `freshUploads` each run uploads its ids anew in another order,
 * so no session finds the join and fingerprints an earlier one kept for the same upload.
 */
export async function benchTraining({ bank, steward, approve, imported }: TrainingBenchClients, runs = 1, freshUploads = false): Promise<boolean> {
  const host = join(SHARED, 'default_credit_hetero_host.csv');
  const guest = join(SHARED, 'default_credit_hetero_guest.csv');
  if (!existsSync(host) || !existsSync(guest)) {
    console.log(`shared data not found at ${SHARED}: encrypted-label training skipped`);
    return false;
  }
  await steward.request('POST', 'v1/datasets', { csv: readFileSync(host), query: { name: 'host', idColumn: 'id' } });
  await imported('host');
  const joined = loadJoined([guest], 'id');
  const labels = labelsOf(joined, 'y');
  await bank.request('POST', 'v1/uploads', { csv: `id\n${joined.ids.join('\n')}\n`, query: { name: 'ids' } });
  const columns = Array.from({ length: 10 }, (_, j) => `x${j}`);
  const hostJoined = loadJoined([host, guest], 'id');
  const frame = frameOf(hostJoined, columns.map((c) => (hostJoined.cells.has(c) ? c : `default_credit_hetero_host.${c}`)), new Set());
  const hostLabels = labelsOf(hostJoined, 'y');

  const scratch = mkdtempSync(join(tmpdir(), 'jointlab-he-bank-'));
  const labelsFile = join(scratch, 'labels.json');
  writeFileSync(labelsFile, JSON.stringify({ ids: joined.ids, values: Array.from(labels) }));
  const plain: number[] = [];
  const results: BankRun[] = [];
  const enclaveSteps: Record<TrainingStep, number>[] = [];
  for (let run = 0; run < runs; run++) {
    // The reference runs beside each encrypted run, so both see the same load on the shared machine.
    const t = process.hrtime.bigint();
    await logisticRegression.fit(frame, hostLabels, logisticRegression.defaults, { seed: 1 });
    plain.push(since(t));
    const upload = freshUploads ? `ids-${run}` : 'ids';
    if (freshUploads) {
      const order = [...joined.ids.slice(run * 1000), ...joined.ids.slice(0, run * 1000)];
      await bank.request('POST', 'v1/uploads', { csv: `id\n${order.join('\n')}\n`, query: { name: upload } });
    }
    const job = await approve({ name: `he-bench-${run}`, purpose: 'bench', mode: 'he-train', bank: { upload }, platform: { dataset: 'host', columns }, model: { family: 'lr' } });
    trainingSteps(true);
    results.push(await bankProcess(bank, job, labelsFile));
    enclaveSteps.push(trainingSteps(true));
  }
  rmSync(scratch, { recursive: true, force: true });
  const r = results[results.length - 1];
  const cells = (pick: (s: HeTrainResult['seconds'], r: BankRun, e: Record<TrainingStep, number>) => number): string => results.map((x, k) => `${pick(x.seconds, x, enclaveSteps[k]).toFixed(3)} s`.padStart(10)).join(' ');
  console.log(`\nencrypted-label training, ${joined.ids.length.toLocaleString('en')} rows x 10 platform features, N = 16384${runs > 1 ? ` (${runs} runs, each its own job, session and bank process, which starts SEAL; the enclave's first session is its first since it started)` : ' (the bank in a process of its own)'}:`);
  // The averaged rounds are charged one by one but asked in one request.
  const requests = (x: BankRun): number => Math.max(1, x.rounds - Math.max(0, x.averaged - 1));
  const rows: [string, (s: HeTrainResult['seconds'], r: BankRun, e: Record<TrainingStep, number>) => number][] = [
    ["bank process: Node and modules (before the total)", (_s, x) => x.loaded],
    ["bank's keys (public, Galois, relin.; no SEAL context), the session opening meanwhile", (s) => s.keys],
    ["waited for the opening's answer after that", (s) => s.open],
    ["  enclave: design built", (_s, _x, e) => e.design],
    ["  enclave: session stored", (_s, _x, e) => e.store],
    ['labels encrypted', (s) => s.encrypt],
    ['keys and labels sent + Enc(X^T y)', (s) => s.labels],
    [`  of which the enclave's Enc(X^T y)`, (s) => s.xty],
    ['  enclave: waited for the labels\' zeros made since the opening', (_s, _x, e) => e.zeros],
    ['  enclave: Enc(X^T y) in the SEAL workers', (_s, _x, e) => e.xty],
    ['  enclave: Enc(X^T y) stored', (_s, _x, e) => e.totals],
    [`rounds (${r.rounds}; the last ${results.map((x) => x.averaged).join(' / ')} averaged, answered as one)`, (s) => s.rounds],
    ['  per round request', (s, x) => s.rounds / requests(x)],
    ["  enclave per request: SEAL work (flood's zeros made ahead)", (_s, x, e) => e.round / requests(x)],
    ['  enclave per request: Hessian, gradient, noise in the clear', (_s, x, e) => e.pieces / requests(x)],
    ['session closed', (s) => s.close],
    ['total (target < 3 s)', (s) => s.total],
    // `jointlab he train` without --job makes its keys while the job waits for its steward: this is what it waits after the approval.
    ['  of which after the keys (he train: keys made while the steward decides)', (s) => s.total - s.keys],
  ];
  for (const [what, pick] of rows) console.log(`  ${what.padEnd(92)} ${cells(pick)}`);
  console.log(`  ${'plaintext logistic regression, same rows'.padEnd(92)} ${plain.map((p) => `${p.toFixed(3)} s`.padStart(10)).join(' ')}`);
  console.log(`  ${'encrypted / plaintext'.padEnd(92)} ${results.map((x, k) => `${(x.seconds.total / plain[k]).toFixed(0)}x`.padStart(10)).join(' ')}`);
  console.log(`  bytes: bank -> enclave ${mb(r.traffic.up)} (target < 10 MB), enclave -> bank ${mb(r.traffic.down)}; flooding >= ${Math.min(...results.map((x) => x.floodBits)).toFixed(1)} bits`);
  return true;
}

/**
 * One round's SEAL work in this thread on the same shape (30,000 rows, 11 design columns, n16384),
 * median of 7: as a round did it before (its own encryptions of zero, the totals loaded from bytes)
 * against the round as the enclave runs it now (the flood's zeros made ahead, the totals kept loaded).
 */
export async function benchRoundSteps(rows = 30_000, columns = 11): Promise<void> {
  const crypto = await BankCrypto.create('n16384', rotationSteps('n16384'), { relinKeys: true });
  try {
    const slots = slotsOf('n16384');
    const design = Array.from({ length: columns }, (_, j) => Float64Array.from({ length: rows }, (_, i) => (j === columns - 1 ? 1 : Math.sin(i * (j + 1)))));
    const labels = Array.from({ length: rows }, (_, i) => (Math.cos(i) > 0 ? 1 : 0));
    const blocks: Uint8Array[] = [];
    for (let start = 0; start < rows; start += slots) blocks.push(crypto.encrypt(labels.slice(start, start + slots)));
    const xty = await encryptedXty({ paramSet: 'n16384', publicKey: crypto.publicKeyBytes, galoisKeys: crypto.galoisKeyBytes, labels: blocks, columns: design, relinKeys: crypto.relinKeyBytes });
    const matrix = new Float64Array(columns * columns);
    for (let k = 0; k < columns; k++) matrix[k * columns + k] = 1e-4;
    const input: RoundInput = { paramSet: 'n16384', publicKey: crypto.publicKeyBytes, xty, matrix, offset: new Float64Array(columns), noise: { freshL2: 100, rows, inputL1: rows * columns }, policy: DEFAULT_FLOOD, check: { gain: 1 } };
    const before: number[] = [];
    const ahead: number[] = [];
    const now: number[] = [];
    for (let k = 0; k < 8; k++) {
      let t = process.hrtime.bigint();
      await newtonRound(input);
      before.push(since(t));
      t = process.hrtime.bigint();
      const zeros = await floodZeros(input);
      ahead.push(since(t));
      t = process.hrtime.bigint();
      await newtonRound({ ...input, zeros, xtyKey: 'bench' });
      // The first of each is a warm-up (the kept totals load on it).
      if (k > 0) now.push(since(t));
      else before.pop(), ahead.pop();
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] * 1000;
    console.log(`  one round's SEAL work in one thread (median ms): before ${med(before).toFixed(1)}, now ${med(now).toFixed(1)} (${(med(before) / med(now)).toFixed(2)}x), plus ${med(ahead).toFixed(1)} for the flood's encryptions of zero made ahead, while the bank decrypts`);
  } finally {
    crypto.dispose();
  }
}

/**
 * The bank's keys in fresh processes, SEAL's way (as before this work) and the ring's, three of each
 * taking turns: the reference for the keys' step, measured beside it in the same run.
 */
export async function benchKeys(): Promise<void> {
  const times: Record<'seal' | 'lean', number[]> = { seal: [], lean: [] };
  for (let k = 0; k < 3; k++) {
    for (const way of ['seal', 'lean'] as const) {
      const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'bank-keys.js'), way]);
      times[way].push((JSON.parse(stdout) as { seconds: number }).seconds);
    }
  }
  const list = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(' / ');
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
  console.log(`  the bank's keys in a fresh process (s): SEAL's start, context and KeyGenerator ${list(times.seal)}; the ring ${list(times.lean)} (${(med(times.seal) / med(times.lean)).toFixed(2)}x, medians)`);
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(process.argv[2] ?? 1) || 1);
  const freshUploads = process.argv.includes('--fresh-uploads');
  await withHeBenchEnclave('he-training', async (clients) => {
    console.log('HE training benchmark (node-seal 6.0.3, CKKS; the enclave in-process, real HTTP on loopback)');
    // A bank meets an enclave started earlier, whose SEAL workers have rehearsed training (enclave/he/training-warmup.ts).
    const started = process.hrtime.bigint();
    await sealPoolRehearsed();
    console.log(`SEAL workers done rehearsing ${since(started).toFixed(2)} s after the enclave was up`);
    if (await benchTraining(clients, runs, freshUploads)) {
      await benchRoundSteps();
      await benchKeys();
    }
  });
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
