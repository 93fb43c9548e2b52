/**
 * HE benchmark, printed as ratios in one run: encrypted scoring throughput in steady state against
 * the plaintext scoring path with the same model on the same rows (30 features), the time of each
 * SEAL step, encrypted-label training wall time against
 * plaintext training on the same data, bytes sent each way, and what running SEAL in the isolated
 * worker pool costs against the same calls in the calling thread (`he-isolation.ts`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { addPrincipal } from '../enclave/auth/principals';
import { startEnclave } from '../enclave/service';
import { EnclaveClient } from '../lab/client/enclave-client';
import { heTrain } from '../lab/he/protocols';
import { loadJoined } from '../lab/train';
import { frameOf, labelsOf } from '../lab/data/columns';
import { logisticRegression } from '../models/logistic-regression';
import { benchIsolation } from './he-isolation';
import { benchSteadyScoring } from './he-scoring';
import { benchSteps } from './he-steps';
import { DEFAULT_SCORING_LIMITS } from '../enclave/scoring/limits';
import type { JobView } from '../lab/api/jobs';

const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'datasets');
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jointlab-bench-he-'));
  // Scoring limits raised for the steady-state measurement (both paths alike): the defaults allow 2 requests a second.
  const enclave = await startEnclave({ db: join(dir, 'enclave.db'), port: 0, settings: { scoring: { ...DEFAULT_SCORING_LIMITS, requestsPerMinute: 100_000, enterprisesPerDay: 10_000_000 } } });
  try {
    const steward = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 's', role: 'steward', org: 'platform' }, 'bench')).token);
    const bank = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 'b', role: 'bank', org: 'bank-a' }, 'bench')).token);
    const approve = async (spec: object): Promise<string> => {
      const { id } = await bank.request<JobView>('POST', 'v1/jobs', { json: spec });
      await steward.request('POST', `v1/jobs/${id}/approve`, { json: {} });
      return id;
    };
    console.log('HE benchmark (node-seal 6.0.3, CKKS; the enclave in-process, real HTTP on loopback)');

    // Encrypted-label training: shared data (host's 10 features, guest's labels), all 30,000 rows.
    const host = join(SHARED, 'default_credit_hetero_host.csv');
    const guest = join(SHARED, 'default_credit_hetero_guest.csv');
    if (existsSync(host)) {
      await steward.request('POST', 'v1/datasets', { csv: require('node:fs').readFileSync(host), query: { name: 'host', idColumn: 'id' } });
      const joined = loadJoined([guest], 'id');
      const labels = labelsOf(joined, 'y');
      await bank.request('POST', 'v1/uploads', { csv: `id\n${joined.ids.join('\n')}\n`, query: { name: 'ids' } });
      const columns = Array.from({ length: 10 }, (_, j) => `x${j}`);
      const hostJoined = loadJoined([host, guest], 'id');
      const frame = frameOf(hostJoined, columns.map((c) => (hostJoined.cells.has(c) ? c : `default_credit_hetero_host.${c}`)), new Set());
      const plainStart = process.hrtime.bigint();
      await logisticRegression.fit(frame, labelsOf(hostJoined, 'y'), logisticRegression.defaults, { seed: 1 });
      const plainSeconds = since(plainStart);
      const job = await approve({ name: 'he-bench', purpose: 'bench', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'host', columns }, model: { family: 'lr' } });
      const r = await heTrain({ client: bank, job, paramSet: 'n16384', labels: { ids: joined.ids, values: labels } });
      console.log(`\nencrypted-label training, ${joined.ids.length.toLocaleString('en')} rows x 10 platform features, N = 16384:`);
      const s = r.seconds;
      console.log(`  bank's keys ${s.keys.toFixed(2)} s, session open (keys sent and checked) ${s.open.toFixed(2)} s, labels encrypted ${s.encrypt.toFixed(2)} s, labels sent + Enc(X^T y) ${s.labels.toFixed(2)} s (the enclave's computation ${s.xty.toFixed(2)} s), ${r.rounds} rounds ${s.rounds.toFixed(2)} s: total ${s.total.toFixed(2)} s`);
      console.log(`  plaintext logistic regression on the same rows: ${plainSeconds.toFixed(3)} s; ratio encrypted / plaintext ${(r.seconds.total / plainSeconds).toFixed(0)}x`);
      console.log(`  bytes: bank -> enclave ${mb(r.traffic.up)}, enclave -> bank ${mb(r.traffic.down)}; flooding >= ${r.floodBits.toFixed(1)} bits`);
    } else console.log(`shared data not found at ${SHARED}: encrypted-label training skipped`);

    await benchSteadyScoring({ bank, steward, approve });
    await benchSteps();
    await benchIsolation();
  } finally {
    await enclave.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
