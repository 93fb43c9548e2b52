/** The one place a stored job's spec is parsed: into the spec with its defaults resolved (lab/spec/resolved-spec.ts). */
import { JobSpec } from '../../lab/spec/job-spec';
import { ResolvedSpec, resolveSpec } from '../../lab/spec/resolved-spec';
import type { JobRow } from './jobs';

export type DecodedJob = ResolvedSpec;

export function decodeJob(row: Pick<JobRow, 'spec'>): DecodedJob {
  return resolveSpec(JSON.parse(row.spec) as JobSpec);
}
