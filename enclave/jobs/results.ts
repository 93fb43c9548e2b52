/** What `GET /v1/jobs/:id/results` answers: the release outcome of a trained job, and nothing the check held back. */
import { JointlabError } from '../../lab/errors';
import { JobRow, StoredResult } from './jobs';
import type { JobResults } from '../../lab/api/results';

export function jobResults(job: JobRow): JobResults {
  if (!job.result) {
    throw new JointlabError('no_results', `the job is ${job.state}; results exist once it has been trained and checked`, 'conflict');
  }
  const stored = JSON.parse(job.result) as StoredResult;
  return { id: job.id, state: job.state, reason: job.reason, backend: stored.backend, seconds: stored.seconds, ...stored.release, ...(stored.scoring ? { scoring: stored.scoring } : {}) };
}
