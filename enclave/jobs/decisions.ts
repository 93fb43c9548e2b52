/**
 * The jobs service: every decision about a job's next state is taken here (approval and its rules,
 * rejection, cancellation) and written through the one `transition()`. Routes, the runner and the HE
 * sessions ask this module; none of them decides a move on its own.
 */
import { canMove } from '../../lab/lifecycle';
import { JointlabError } from '../../lab/errors';
import type { Principal } from '../../lab/api/principals';
import { getDatasetMeta } from '../data/datasets';
import { closeSessionsOfJob } from '../he/session-store';
import { Db } from '../store/db';
import { visibleJob } from './jobs';
import { Runner } from './runner';
import { transition } from './transition';
import type { JobMove } from '../../lab/api/jobs';
import { decodeJob } from './decode';

/**
 * Approves a submitted job. Sensitive platform columns must be named by the steward one by one; the
 * approved list is kept with the job. Plaintext jobs are queued for the runner; encrypted ones run
 * when the bank opens an HE session.
 */
export async function approveJob(db: Db, runner: Runner, id: string, steward: Principal, allowSensitive: string[]): Promise<JobMove> {
  const job = await visibleJob(db, id, steward);
  const { spec, mode } = decodeJob(job);
  const dataset = spec.platform ? await getDatasetMeta(db, spec.platform.dataset) : undefined;
  const sensitive = (spec.platform?.columns ?? []).filter((c) => dataset?.columns.find((d) => d.name === c)?.policy === 'sensitive');
  const missing = sensitive.filter((c) => !allowSensitive.includes(c));
  if (missing.length && job.state === 'submitted') {
    throw new JointlabError('sensitive_not_approved', `the spec uses sensitive columns that must be approved explicitly: ${missing.join(', ')}`, 'validation');
  }
  const state = await transition(db, id, 'approved', steward.id, {
    alsoWrite: async (q) => {
      await q.run('UPDATE jobs SET approved_sensitive = ? WHERE id = ?', [JSON.stringify(sensitive), id]);
    },
  });
  if (mode === 'plaintext') runner.enqueue(id);
  return { id, state };
}

export async function rejectJob(db: Db, id: string, steward: Principal, reason: string): Promise<JobMove> {
  await visibleJob(db, id, steward);
  return { id, state: await transition(db, id, 'rejected', steward.id, { reason }) };
}

/** Stops a queued, running or HE job; its worker is terminated and any HE keys are deleted with it. */
export async function cancelJob(db: Db, runner: Runner, id: string, viewer: Principal): Promise<JobMove> {
  const job = await visibleJob(db, id, viewer);
  // The lifecycle table says what can be cancelled; checked before the worker is touched.
  if (job.state !== 'cancelled' && !canMove(job.state, 'cancelled')) {
    throw new JointlabError('bad_transition', `the job is ${job.state} and cannot be cancelled`, 'conflict');
  }
  await runner.cancel(id);
  const state = await transition(db, id, 'cancelled', viewer.id, { reason: `cancelled by ${viewer.role}` });
  await closeSessionsOfJob(db, id);
  return { id, state };
}
