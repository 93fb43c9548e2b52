/** Job rows and who may see them: a bank sees its organization's jobs only; others' are "not found". */
import { JobState } from '../../lab/lifecycle';
import { JointlabError } from '../../lab/errors';
import type { Principal } from '../../lab/api/principals';
import { Db, Queries } from '../store/db';
import { keptJobHead } from './job-heads';
import type { JobView, RiskFlag } from '../../lab/api/jobs';
import type { ScoringVerdict } from '../../lab/api/scoring';
import type { ReleaseOutcome } from '../../lab/api/results';
import { decodeJob } from './decode';
import type { JobMode } from '../../lab/spec/resolved-spec';

export interface JobRow {
  id: string;
  owner: string;
  org: string;
  spec: string;
  state: JobState;
  flags: string;
  approved_sensitive: string;
  reason: string | null;
  progress: number;
  progress_note: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
}

/** A job's row without its stored result, which can be large and which a job view does not show. */
export type JobHead = Omit<JobRow, 'result'>;
const HEAD_COLUMNS = 'id, owner, org, spec, state, flags, approved_sensitive, reason, progress, progress_note, created_at, updated_at';

/** What the enclave keeps of a finished training run: the release outcome, and for the steward the reasons behind it. */
export interface StoredResult {
  release: ReleaseOutcome;
  backend: string;
  seconds: number;
  /** Whether the released model may score enterprises in the clear (enclave/release/scoring-rule.ts). */
  scoring?: ScoringVerdict;
  /** The platform dataset's snapshot the job trained on (absent for jobs trained before snapshots, and without platform data). */
  snapshot?: number;
}

export function viewJob(row: JobHead, viewer: Principal): JobView {
  const { spec } = decodeJob(row);
  return {
    id: row.id,
    name: spec.name,
    org: row.org,
    owner: row.owner,
    state: row.state,
    reason: row.reason,
    progress: row.progress,
    progressNote: row.progress_note,
    spec,
    // Risk flags are the steward's review aid; they describe the platform's data, so banks do not get them.
    ...(viewer.role === 'bank' ? {} : { flags: JSON.parse(row.flags) as RiskFlag[] }),
    approvedSensitive: JSON.parse(row.approved_sensitive),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function jobMode(row: JobRow): JobMode {
  return decodeJob(row).mode;
}

/** Modes the runner runs (training in a worker; monitoring in the enclave's own thread); HE jobs run in the bank's session. */
export function runsInRunner(mode: JobMode): boolean {
  return mode === 'plaintext' || mode === 'monitor';
}

export async function jobRow(q: Queries, id: string): Promise<JobRow | undefined> {
  return q.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
}

export async function visibleJob(q: Queries, id: string, viewer: Principal): Promise<JobRow> {
  return assertVisible(await jobRow(q, id), viewer);
}

/**
 * GET /v1/jobs/:id's JSON body: viewJob of the job's head, both kept in memory until the next write
 * to the store (job-heads.ts), since clients poll it. Visibility is checked on every call.
 */
export async function jobViewBody(db: Db, id: string, viewer: Principal): Promise<string> {
  const kept = await keptJobHead(db, id, () => db.get<JobHead>(`SELECT ${HEAD_COLUMNS} FROM jobs WHERE id = ?`, [id]));
  assertVisible(kept?.head, viewer);
  // viewJob differs by role only: banks do not get the risk flags.
  const kind = viewer.role === 'bank' ? 'bank' : 'reviewer';
  let body = kept!.drawn.get(kind);
  if (body === undefined) kept!.drawn.set(kind, (body = JSON.stringify(viewJob(kept!.head, viewer))));
  return body;
}

function assertVisible<T extends JobHead>(row: T | undefined, viewer: Principal): T {
  if (!row || (viewer.role === 'bank' && row.org !== viewer.org)) throw new JointlabError('not_found', 'no such job', 'not_found');
  return row;
}

export async function listJobs(q: Queries, viewer: Principal, state?: JobState): Promise<JobRow[]> {
  const where: string[] = [];
  const params: string[] = [];
  if (viewer.role === 'bank') {
    where.push('org = ?');
    params.push(viewer.org);
  }
  if (state) {
    where.push('state = ?');
    params.push(state);
  }
  return q.all<JobRow>(`SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`, params);
}
