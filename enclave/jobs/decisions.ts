/**
 * The jobs service: every decision about a job's next state is taken here (approval and its rules,
 * rejection, cancellation; a training run's start, failure and release or withholding; an HE
 * session's opening and closing) and written through the one `transition()`. Routes, the runner and
 * the HE sessions ask this module; none of them decides a move on its own.
 */
import { canMove } from '../../lab/lifecycle';
import { JointlabError } from '../../lab/errors';
import type { Principal } from '../../lab/api/principals';
import { getDatasetMeta } from '../data/datasets';
import { closeSessionsOfJob } from '../he/session-store';
import { warmSealPool } from '../he/seal-pool';
import { prepareTrainingDesign } from '../he/design';
import { PARAM_SET_NAMES } from '../../lab/he/params';
import { JobRow, StoredResult, jobRow, runsInRunner, visibleJob } from './jobs';
import type { Runner } from './runner';
import { TransitionOptions, transition } from './transition';
import type { JobMove } from '../../lab/api/jobs';
import { decodeJob } from './decode';
import { Db } from '../store/db';
import { PopulationPrint, recordPopulation } from '../release/differencing';
import type { OutputPart } from '../../lab/api/results';
import type { JobMode } from '../../lab/spec/resolved-spec';

/**
 * Approves a submitted job. Sensitive platform columns must be named by the steward one by one; the
 * approved list is kept with the job. Plaintext jobs are queued for the runner; encrypted ones run
 * when the bank opens an HE session.
 */
export async function approveJob(db: Db, runner: Runner, id: string, steward: Principal, allowSensitive: string[]): Promise<JobMove> {
  const job = await visibleJob(db, id, steward);
  const decoded = decodeJob(job);
  const { spec, mode } = decoded;
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
  if (runsInRunner(mode)) runner.enqueue(id);
  // The bank's session comes next: a SEAL worker starts loading now rather than when its keys arrive.
  if (mode === 'he-train' || mode === 'he-score') warmSealPool(decoded.he().paramSet ?? PARAM_SET_NAMES[PARAM_SET_NAMES.length - 1]);
  // And an encrypted-label session's platform side (the snapshot's columns, encoder, fingerprints) is read now, not when it opens.
  if (mode === 'he-train') prepareTrainingDesign(db, spec, job.org);
  return { id, state };
}

export async function rejectJob(db: Db, id: string, steward: Principal, reason: string): Promise<JobMove> {
  await visibleJob(db, id, steward);
  return { id, state: await transition(db, id, 'rejected', steward.id, { reason }) };
}

/**
 * A running HE job whose session cannot go on (a round the flood cannot cover, labels that do not
 * match): failed with the reason, its keys and ciphertexts deleted, so `job list` shows it failed
 * instead of running at 0% until someone cancels it. Only the session's owner reports it.
 */
export async function failHeJob(db: Db, id: string, actor: Principal, reason: string): Promise<JobMove> {
  await visibleJob(db, id, actor);
  const state = await transition(db, id, 'failed', actor.id, { reason, from: ['running'] });
  await closeSessionsOfJob(db, id);
  return { id, state };
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

/** Who the enclave's own moves (the runner's) are recorded as in the audit log. */
export const ENCLAVE_ACTOR = 'enclave';

/** The runner picks up an approved plaintext job. */
export async function startTraining(db: Db, id: string): Promise<void> {
  await transition(db, id, 'running', ENCLAVE_ACTOR);
}

/**
 * A training run that cannot finish fails, with a reason that quotes nothing. Only a running job
 * fails: one cancelled meanwhile stays cancelled, and a failure to record the failure is not retried.
 */
export async function failTraining(db: Db, id: string, reason: string): Promise<void> {
  await transition(db, id, 'failed', ENCLAVE_ACTOR, { reason, from: ['running'] }).catch(() => undefined);
}

/** Crash recovery: a plaintext job found running lost its worker with the process. */
export async function failInterrupted(db: Db, id: string): Promise<void> {
  await transition(db, id, 'failed', ENCLAVE_ACTOR, { reason: 'the enclave stopped while the job was training; submit it again' });
}

/**
 * A checked training result is stored with its job, which is then released when its parameters (if
 * asked for) and anything at all passed the release check, and withheld otherwise with the reasons.
 * A job that releases anything leaves its population's fingerprint behind for the differencing control.
 */
export async function finishTraining(db: Db, id: string, stored: StoredResult, outputs: readonly OutputPart[], print?: PopulationPrint, reason?: string): Promise<void> {
  const { release } = stored;
  await transition(db, id, 'succeeded', ENCLAVE_ACTOR, {
    alsoWrite: async (q) => {
      await q.run('UPDATE jobs SET result = ?, progress = 1 WHERE id = ?', [JSON.stringify(stored), id]);
    },
  });
  const parametersOut = release.released.parameters !== undefined || !outputs.includes('parameters');
  const anythingOut = Object.keys(release.released).length > 0;
  if (parametersOut && anythingOut) {
    await transition(db, id, 'released', ENCLAVE_ACTOR, {
      reason: release.withheld.length ? 'released in part' : undefined,
      alsoWrite: print ? (q) => recordPopulation(q, id, print) : undefined,
    });
  } else await transition(db, id, 'withheld', ENCLAVE_ACTOR, { reason: reason ?? release.withheld.map((w) => `${w.part}: ${w.reason}`).join('; ') });
}

/** Whether an HE session may open on this job: an HE job, approved. Asked before any key is checked. */
export function assertHeSessionMayOpen(job: JobRow, mode: JobMode): void {
  if (mode !== 'he-train' && mode !== 'he-score') throw new JointlabError('not_he_job', 'the job is not an HE job', 'conflict');
  if (job.state !== 'approved') throw new JointlabError('bad_transition', `the job is ${job.state}; an HE session needs an approved job`, 'conflict');
}

/**
 * An HE session opens: its job runs while the session lasts. Only one session may move a job (two
 * opened at once: the second is a conflict), and the session's own rows are written with the move.
 */
export async function startHeSession(db: Db, id: string, bank: Principal, alsoWrite: NonNullable<TransitionOptions['alsoWrite']>): Promise<void> {
  await transition(db, id, 'running', bank.id, { exclusive: true, alsoWrite });
}

/** An HE session closed: a job still running is done, its results delivered under the bank's key. */
export async function finishHeSession(db: Db, id: string, bank: Principal): Promise<void> {
  const job = await visibleJob(db, id, bank);
  if (job.state !== 'running') return;
  await transition(db, id, 'succeeded', bank.id);
  await transition(db, id, 'released', bank.id, { reason: "encrypted results were delivered under the bank's key" });
}

/** Who the network hub's moves on a province's part of a network job are recorded as. */
export const HUB_ACTOR = 'network-hub';

/** A network job's first round of an attempt: the province's approved (or interrupted) part starts running (idempotent for later rounds). */
export async function startNetworkRound(db: Db, id: string): Promise<void> {
  const job = await jobRow(db, id);
  if (job?.state === 'approved' || job?.state === 'interrupted') await transition(db, id, 'running', HUB_ACTOR, { from: ['approved', 'interrupted'] }).catch(() => undefined);
}

/**
 * The hub stopped a network job: for a retry (the running part waits `interrupted` for the next attempt)
 * or for good (another province refused it, or a steward rejected it: the part fails, or is rejected if
 * its steward had not decided yet). Idempotent: a part already so, or finished, stays as it is.
 */
export async function stopNetworkPart(db: Db, id: string, outcome: 'interrupted' | 'refused', reason: string): Promise<void> {
  const job = await jobRow(db, id);
  if (!job) return;
  if (outcome === 'interrupted' && job.state === 'running') await transition(db, id, 'interrupted', HUB_ACTOR, { reason, from: ['running'] });
  if (outcome === 'refused' && (job.state === 'approved' || job.state === 'running' || job.state === 'interrupted')) await transition(db, id, 'failed', HUB_ACTOR, { reason, from: ['approved', 'running', 'interrupted'] });
  // Still awaiting this steward: nothing to decide any more, so it leaves the queue.
  if (outcome === 'refused' && job.state === 'submitted') await transition(db, id, 'rejected', HUB_ACTOR, { reason, from: ['submitted'] });
}

/** Restart: a network part found running lost its round with the process; the hub's next attempt runs it again. */
export async function interruptNetworkPart(db: Db, id: string): Promise<void> {
  await transition(db, id, 'interrupted', ENCLAVE_ACTOR, { reason: 'the enclave stopped during the network job\'s rounds; the bank may run it again at the hub', from: ['running'] }).catch(() => undefined);
}

/**
 * The network's checked outcome, the same in every province, stored with this province's job: released
 * when its parameters passed the network's release check, withheld with the reasons otherwise.
 */
export async function finishNetworkTraining(db: Db, id: string, stored: StoredResult): Promise<void> {
  const { release } = stored;
  await transition(db, id, 'succeeded', HUB_ACTOR, {
    from: ['running'],
    alsoWrite: async (q) => {
      await q.run('UPDATE jobs SET result = ?, progress = 1 WHERE id = ?', [JSON.stringify(stored), id]);
    },
  });
  if (release.released.parameters) await transition(db, id, 'released', ENCLAVE_ACTOR, { reason: release.withheld.length ? 'released in part' : undefined });
  else await transition(db, id, 'withheld', ENCLAVE_ACTOR, { reason: release.withheld.map((w) => `${w.part}: ${w.reason}`).join('; ') || 'withheld by the network' });
}
