/**
 * The one place a job changes state: checks the move against the lifecycle table, stamps the time,
 * writes the row and appends the audit entry in one transaction. Asking for the state a job is already
 * in returns it without doing anything, so every step can be retried safely.
 */
import { JobState, canMove } from '../../lab/lifecycle';
import { JointlabError } from '../../lab/errors';
import { appendAudit } from '../audit/log';
import { Db, Queries } from '../store/db';
import { JobRow } from './jobs';

export interface TransitionOptions {
  reason?: string;
  /** Extra writes that belong with the move (the result, approved columns), in the same transaction. */
  alsoWrite?: (q: Queries, job: JobRow) => Promise<void>;
  /** Only move when the job is in one of these states (for example: cancel only while not yet finished). */
  from?: JobState[];
  /**
   * The move must happen now, with its extra writes: a job already in the target state is a conflict,
   * not a no-op (two HE sessions opened at once on one job: only one may move it and store its keys).
   */
  exclusive?: boolean;
}

export async function transition(db: Db, jobId: string, to: JobState, actor: string, options: TransitionOptions = {}): Promise<JobState> {
  return db.transaction(async (q) => {
    const job = await q.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [jobId]);
    if (!job) throw new JointlabError('not_found', 'no such job', 'not_found');
    if (job.state === to && !options.exclusive) return to;
    if (job.state === to || !canMove(job.state, to) || (options.from && !options.from.includes(job.state))) {
      throw new JointlabError('bad_transition', `the job is ${job.state} and cannot become ${to}`, 'conflict');
    }
    await q.run('UPDATE jobs SET state = ?, reason = ?, updated_at = ? WHERE id = ?', [to, options.reason ?? job.reason, new Date().toISOString(), jobId]);
    await options.alsoWrite?.(q, job);
    await appendAudit(q, {
      actor,
      action: `job.${to}`,
      object: `job:${jobId}`,
      detail: { from: job.state, to, ...(options.reason ? { reason: options.reason } : {}) },
    });
    return to;
  });
}
