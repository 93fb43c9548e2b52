/**
 * HE benchmark, printed as ratios in one run: encrypted scoring throughput in steady state against
 * the plaintext scoring path with the same model on the same rows (30 features), the time of each
 * SEAL step, encrypted-label training wall time against
 * plaintext training on the same data, bytes sent each way, and what running SEAL in the isolated
 * worker pool costs against the same calls in the calling thread (`he-isolation.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addPrincipal } from '../enclave/auth/principals';
import { startEnclave } from '../enclave/service';
import { EnclaveClient } from '../lab/client/enclave-client';
import { benchIsolation } from './he-isolation';
import { benchSteadyScoring } from './he-scoring';
import { benchSteps } from './he-steps';
import { benchRoundSteps, benchTraining } from './he-training';
import { DEFAULT_SCORING_LIMITS } from '../enclave/scoring/limits';
import type { JobView } from '../lab/api/jobs';

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

    if (await benchTraining({ bank, steward, approve })) await benchRoundSteps();

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
