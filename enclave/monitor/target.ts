/**
 * The model a monitor job watches: a released plaintext job of the bank's own organization whose score
 * the enclave can compute from platform columns alone (a platform-only model whole, or the platform
 * part of a joint logistic regression or scorecard), and the snapshots it is compared on.
 */
import { JointlabError, ProblemsError } from '../../lab/errors';
import { isSplittable } from '../../lab/model-parts';
import type { Principal } from '../../lab/api/principals';
import type { JobSpec } from '../../lab/spec/job-spec';
import { FeatureRef } from '../../models/frame';
import { ModelFile } from '../../models/model';
import { getDatasetMeta } from '../data/datasets';
import { assertSnapshot } from '../data/snapshots';
import { decodeJob } from '../jobs/decode';
import { StoredResult, jobRow } from '../jobs/jobs';
import { Db } from '../store/db';
import type { DatasetMeta } from '../../lab/api/datasets';

export interface MonitorTarget {
  jobId: string;
  model: ModelFile;
  dataset: DatasetMeta;
  /** The job's platform columns (what splits a joint model). */
  platformColumns: string[];
  /** The model's features that are platform columns, in the model's order: what is read from the snapshots. */
  features: FeatureRef[];
  /** full: the model has only platform features; platform: its platform part is monitored. */
  part: 'full' | 'platform';
  /** The snapshot the job trained on, when it was recorded. */
  trainedOn?: number;
}

const unmonitorable = (why: string): JointlabError =>
  new JointlabError(
    'not_monitorable',
    `${why}. The enclave monitors models whose score it can compute from platform columns: a platform-only model of any family, or the platform part of a joint logistic regression or scorecard; train one of those ("model": {"family": "lr"} or {"family": "scorecard"} with your bank columns, or any family on platform columns only) and monitor it. Your own features you can monitor on your side: jointlab monitor local`,
    'validation',
  );

/** The monitored job as the bank that owns it sees it; every refusal names what would work instead. */
export async function monitorTarget(db: Db, jobId: string, bank: Pick<Principal, 'org'>): Promise<MonitorTarget> {
  const row = await jobRow(db, jobId);
  // Another organization's job is "not there", as everywhere else.
  if (!row || row.org !== bank.org) throw new ProblemsError('spec_references', 'the spec names data or jobs it cannot use', [{ pointer: '/monitor/job', message: 'your organization has no job of that id' }], 'validation');
  const { spec, mode } = decodeJob(row);
  if (mode === 'monitor') throw unmonitorable(`job ${jobId} is itself a monitor job, not a model`);
  if (mode !== 'plaintext') throw unmonitorable(`job ${jobId} ran under encryption (${mode}): its model never reached the enclave in the clear`);
  const stored = row.result ? (JSON.parse(row.result) as StoredResult) : undefined;
  const model = stored?.release.released.parameters?.model as ModelFile | undefined;
  if (row.state !== 'released' || !model) throw new JointlabError('no_released_model', `job ${jobId} has no released model to monitor (it is ${row.state}${row.state === 'released' ? ', its parameters withheld' : ''})`, 'conflict');
  if (!spec.platform) throw unmonitorable(`job ${jobId} is a bank-only model: the enclave holds none of its features`);
  const platformColumns = spec.platform.columns;
  const onPlatform = new Set(platformColumns);
  const features = model.features.filter((f) => onPlatform.has(f.name));
  const bankFeatures = model.features.filter((f) => !onPlatform.has(f.name));
  if (!features.length) throw unmonitorable(`the model of job ${jobId} kept no platform feature`);
  if (bankFeatures.length && !isSplittable(model.kind)) {
    throw unmonitorable(`the model of job ${jobId} is a joint ${model.kind} that also uses your own features (${bankFeatures.map((f) => f.name).join(', ')}), and its score does not split into a platform part`);
  }
  const dataset = await getDatasetMeta(db, spec.platform.dataset);
  if (!dataset) throw new JointlabError('not_found', `dataset "${spec.platform.dataset}" no longer exists`, 'not_found');
  return { jobId, model, dataset, platformColumns, features, part: bankFeatures.length ? 'platform' : 'full', ...(stored?.snapshot ? { trainedOn: stored.snapshot } : {}) };
}

/**
 * A monitor spec resolved at submission, as HE settings are: the platform block filled from the
 * model, the snapshots defaulted (base: the one the job trained on, else the earliest; current: the
 * latest) and checked, so the steward reviews, and the runner runs, exactly what is stored.
 */
export async function resolveMonitorSpec(db: Db, spec: JobSpec, bank: Pick<Principal, 'org'>): Promise<JobSpec> {
  const block = spec.monitor!;
  const target = await monitorTarget(db, block.job, bank);
  if (spec.model.family !== target.model.kind) {
    throw new ProblemsError('spec_references', 'the spec names data or jobs it cannot use', [{ pointer: '/model/family', message: `must be the monitored model's family, "${target.model.kind}"` }], 'validation');
  }
  const base = block.base ?? target.trainedOn ?? 1;
  const current = block.current ?? target.dataset.snapshot;
  await assertSnapshot(db, target.dataset, base);
  await assertSnapshot(db, target.dataset, current);
  return { ...spec, platform: { dataset: target.dataset.name, columns: target.features.map((f) => f.name) }, monitor: { job: block.job, base, current } };
}
