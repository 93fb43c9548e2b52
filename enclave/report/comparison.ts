/** Which jobs a model report draws: the job itself, and the job it is compared with (chosen, or the bank-only twin found by its spec). */
import { JointlabError } from '../../lab/errors';
import { isBankOnlyTwin } from '../../lab/spec/bank-only-twin';
import type { Principal } from '../../lab/api/principals';
import { JobRow, jobRow, visibleJob } from '../jobs/jobs';
import { Queries } from '../store/db';
import { decodeJob } from '../jobs/decode';

/**
 * The bank-only counterpart of a joint job: the latest trained job of the same organization on the
 * same upload and label with no platform columns. Reports compare against it when both exist.
 */
async function bankOnlyTwin(q: Queries, row: JobRow): Promise<JobRow | undefined> {
  const { spec } = decodeJob(row);
  // The rule itself lives in lab/, where `jointlab job results` reads it too.
  if (!spec.platform || !spec.bank) return undefined;
  // Specs only: results are large, and just one of them is read.
  const candidates = await q.all<Pick<JobRow, 'id' | 'spec'>>(
    "SELECT id, spec FROM jobs WHERE org = ? AND id != ? AND result IS NOT NULL AND state IN ('released', 'withheld') ORDER BY updated_at DESC, id",
    [row.org, row.id],
  );
  const twin = candidates.find((c) => isBankOnlyTwin(spec, decodeJob(c).spec));
  return twin && jobRow(q, twin.id);
}

export async function comparisonFor(q: Queries, row: JobRow, viewer: Principal, compare: unknown): Promise<JobRow | undefined> {
  if (compare === 'none') return undefined;
  if (typeof compare === 'string' && compare) {
    const other = await visibleJob(q, compare, viewer);
    if (!other.result) throw new JointlabError('no_results', `the job to compare with is ${other.state}; only a trained and checked job can be compared`, 'conflict');
    return other;
  }
  return bankOnlyTwin(q, row);
}
