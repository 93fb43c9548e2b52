/**
 * The in-process enclave the HE benchmarks run against (real HTTP on loopback): a steward, a bank, and
 * a way to submit and approve a spec. Scoring limits are raised for steady-state runs, for the
 * plaintext and encrypted paths alike (the defaults allow 2 requests a second). The SEAL workers start
 * with the enclave, as `jointlab enclave start` starts them (warmSeal).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addPrincipal } from '../enclave/auth/principals';
import { DEFAULT_SCORING_LIMITS } from '../enclave/scoring/limits';
import { startEnclave } from '../enclave/service';
import { EnclaveClient } from '../lab/client/enclave-client';
import type { JobView } from '../lab/api/jobs';

export interface HeBenchClients {
  bank: EnclaveClient;
  steward: EnclaveClient;
  /** Submits and approves a spec, returns the job id. */
  approve: (spec: object) => Promise<string>;
  /**
   * Resolves when the work an import starts in the background (its PSI set blinded ahead) is done: a
   * platform imports long before a bank's session, so a benchmark's session should not share the cores with it.
   */
  imported: (dataset: string) => Promise<void>;
}

export async function withHeBenchEnclave(name: string, work: (clients: HeBenchClients) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `jointlab-bench-${name}-`));
  const enclave = await startEnclave({ db: join(dir, 'enclave.db'), port: 0, settings: { scoring: { ...DEFAULT_SCORING_LIMITS, requestsPerMinute: 100_000, enterprisesPerDay: 10_000_000 }, warmSeal: true } });
  try {
    const steward = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 's', role: 'steward', org: 'platform' }, 'bench')).token);
    const bank = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 'b', role: 'bank', org: 'bank-a' }, 'bench')).token);
    const approve = async (spec: object): Promise<string> => {
      const { id } = await bank.request<JobView>('POST', 'v1/jobs', { json: spec });
      await steward.request('POST', `v1/jobs/${id}/approve`, { json: {} });
      return id;
    };
    await work({ bank, steward, approve, imported: (dataset) => enclave.psiPrepared(dataset) });
  } finally {
    await enclave.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
