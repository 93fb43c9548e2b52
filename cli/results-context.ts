/**
 * What `jointlab job results` says around the released figures: the job's epsilon when it ran under
 * differential privacy, and its bank-only counterpart's test AUC, so that a joint model that does
 * worse than the bank's own data alone (DP noise can do that) is flagged where the bank reads it.
 */
import { EnclaveClient } from '../lab/client/enclave-client';
import { COMPARABLE_STATES, isBankOnlyTwin } from '../lab/spec/bank-only-twin';
import { DP_NO_TRAIN, OverfitCheck, overfitCheck } from '../lab/report/overfitting';
import { fixed } from './output';
import type { JobResults } from '../lab/api/results';
import type { JobList, JobView } from '../lab/api/jobs';

export interface ResultsContext {
  /** The spec's epsilon; null when the job ran without differential privacy. */
  epsilon: number | null;
  /** The latest trained bank-only job on the same upload and label, as the report compares with. */
  bankOnly: { job: string; name: string; testAuc: number | null } | null;
  /** Set when both test AUCs are known and the joint one is the lower. */
  belowBankOnly: boolean;
  /** Train AUC against test AUC (lab/report/overfitting.ts): the report flags the same. */
  overfitting: OverfitCheck;
}

export async function resultsContext(client: EnclaveClient, r: JobResults): Promise<ResultsContext> {
  const view = await client.request<JobView>('GET', `v1/jobs/${encodeURIComponent(r.id)}`);
  const epsilon = view.spec.privacy?.epsilon ?? null;
  let bankOnly: ResultsContext['bankOnly'] = null;
  if (view.spec.platform && view.spec.bank) {
    const { jobs } = await client.request<JobList>('GET', 'v1/jobs');
    // The enclave's report picks the latest one (by update time, then id); so does this.
    const twin = jobs
      .filter((j) => j.id !== r.id && j.org === view.org && COMPARABLE_STATES.includes(j.state) && isBankOnlyTwin(view.spec, j.spec))
      .sort((a, b) => (a.updatedAt === b.updatedAt ? (a.id < b.id ? -1 : 1) : a.updatedAt < b.updatedAt ? 1 : -1))[0];
    if (twin) {
      const other = await client.request<JobResults>('GET', `v1/jobs/${encodeURIComponent(twin.id)}/results`);
      bankOnly = { job: twin.id, name: twin.name, testAuc: other.released.metrics?.test?.auc ?? null };
    }
  }
  const own = r.released.metrics?.test?.auc;
  const belowBankOnly = own !== undefined && bankOnly?.testAuc != null && own < bankOnly.testAuc;
  return { epsilon, bankOnly, belowBankOnly, overfitting: overfitCheck(r.released.metrics, epsilon !== null ? DP_NO_TRAIN : undefined) };
}

export function printContext(r: JobResults, c: ResultsContext): void {
  if (c.epsilon !== null) console.log(`differential privacy: epsilon ${c.epsilon} (charged to your organization's budget; see jointlab privacy budget)`);
  if (c.overfitting.flagged) console.log(`warning: ${c.overfitting.message}`);
  if (!c.bankOnly) return;
  const own = r.released.metrics?.test?.auc;
  const theirs = c.bankOnly.testAuc;
  if (c.belowBankOnly) {
    const why = c.epsilon !== null ? `the noise for epsilon ${c.epsilon} costs more than the platform's features add; a larger epsilon may do better` : "the platform's features do not help this model";
    console.log(`warning: test AUC ${fixed(own!)} is below the bank-only model's ${fixed(theirs!)} (job ${c.bankOnly.job}, ${c.bankOnly.name}): ${why}`);
  } else if (own !== undefined && theirs !== null) {
    console.log(`bank-only model (job ${c.bankOnly.job}, ${c.bankOnly.name}): test AUC ${fixed(theirs)}; this job ${own >= theirs ? '+' : ''}${fixed(own - theirs)}`);
  }
}
