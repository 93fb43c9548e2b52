/**
 * Each bank's differential-privacy budget (plaintext DP and the noised rounds of encrypted-label
 * training alike): epsilon is charged when a job is submitted and given back
 * only if the job never trains (rejected or cancelled before it ran). A spec that would pass the
 * budget is refused at submission.
 */
import { JointlabError } from '../../lab/errors';
import { JobSpec } from '../../lab/spec/job-spec';
import { HE_BOUNDS } from '../../lab/spec/he-spec';
import { Queries } from '../store/db';
import type { PrivacyBudget } from '../../lab/api/jobs';
import { decodeJob } from './decode';

/** States whose epsilon is not charged: the data was never touched for them. */
const UNCHARGED = ['rejected', 'cancelled'];

/** What a job costs: plaintext DP's epsilon, or the total epsilon of an encrypted-label training session's noised rounds. */
export function chargedEpsilon(spec: JobSpec): number {
  if (spec.mode === 'he-train') return spec.he?.epsilon ?? HE_BOUNDS.epsilon.default;
  return spec.privacy?.epsilon ?? 0;
}

export async function spentEpsilon(q: Queries, org: string): Promise<number> {
  const rows = await q.all<{ spec: string; state: string }>('SELECT spec, state FROM jobs WHERE org = ?', [org]);
  let spent = 0;
  for (const r of rows) if (!UNCHARGED.includes(r.state)) spent += chargedEpsilon(decodeJob(r).spec);
  return spent;
}

export async function budgetView(q: Queries, org: string, budget: number): Promise<PrivacyBudget> {
  const spent = await spentEpsilon(q, org);
  return { org, budget, spent, remaining: Math.max(0, budget - spent) };
}

export async function assertBudget(q: Queries, org: string, epsilon: number, budget: number): Promise<void> {
  const spent = await spentEpsilon(q, org);
  if (spent + epsilon > budget + 1e-12) {
    throw new JointlabError('budget_exceeded', `epsilon ${epsilon} would pass the privacy budget: ${spent} of ${budget} spent`, 'validation');
  }
}
