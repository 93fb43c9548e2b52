/** Submitting a spec: schema first (400), then references against the data's metadata and policy (422), then flags. */
import { randomUUID } from 'node:crypto';
import { Problem, ProblemsError } from '../../lab/errors';
import { JobSpec, validateSpec } from '../../lab/spec/job-spec';
import { assertValid, unknownColumnProblem } from '../../lab/spec/problems';
import { resolveSpec } from '../../lab/spec/resolved-spec';
import { appendAudit } from '../audit/log';
import type { Principal } from '../../lab/api/principals';
import { getDatasetMeta } from '../data/datasets';
import { uploadByName } from '../data/uploads';
import { Db } from '../store/db';
import { JobRow, jobRow } from './jobs';
import { riskFlags } from './risk-flags';
import { assertBudget, chargedEpsilon } from './privacy-budget';
import { assertHeSettings } from '../../lab/spec/he-spec';
import type { UploadMeta } from '../../lab/api/uploads';
import type { DatasetMeta } from '../../lab/api/datasets';
import { selectionProblems } from '../../lab/spec/selection-spec';
import { ParamSetName } from '../../lab/he/params';
import { heTrainingProblems } from '../release/he-training-fit';
import { monitorModeProblems } from '../../lab/spec/monitor-spec';
import { resolveMonitorSpec } from '../monitor/target';

/** What each mode needs and refuses, as JSON-pointer problems. */
function modeProblems(spec: JobSpec): Problem[] {
  const problems: Problem[] = [];
  const { mode } = resolveSpec(spec);
  const need = (present: unknown, pointer: string) => !present && problems.push({ pointer, message: `is required in ${mode} mode` });
  const refuse = (present: unknown, pointer: string) => present && problems.push({ pointer, message: `is not used in ${mode} mode; leave it out` });
  if (mode === 'network') return [{ pointer: '/mode', message: 'network jobs are submitted to the network hub, which forwards them to each province' }];
  if (spec.privacy && mode !== 'plaintext') problems.push({ pointer: '/privacy', message: 'differential privacy applies to plaintext training' });
  problems.push(...selectionProblems(spec));
  if (spec.privacy && spec.model.family === 'gbdt') problems.push({ pointer: '/privacy', message: 'differential privacy covers "lr", "scorecard" and "mlp"; boosted trees are released under the k rule on every leaf and split side' });
  if (mode === 'plaintext') {
    refuse(spec.he, '/he');
    need(spec.bank, '/bank');
    need(spec.label, '/label');
  } else if (mode === 'he-train') {
    need(spec.bank, '/bank');
    need(spec.platform, '/platform');
    refuse(spec.label, '/label');
    refuse(spec.bank?.columns?.length, '/bank/columns');
    if (spec.model.family !== 'lr') problems.push({ pointer: '/model/family', message: 'encrypted-label training fits logistic regression ("lr")' });
  } else {
    need(spec.platform, '/platform');
    refuse(spec.bank, '/bank');
    refuse(spec.label, '/label');
    if (spec.model.family !== 'lr' && spec.model.family !== 'scorecard') problems.push({ pointer: '/model/family', message: 'private-model scoring takes "lr" or "scorecard"' });
  }
  return problems;
}

function referenceProblems(spec: JobSpec, upload: UploadMeta | undefined, dataset: DatasetMeta | undefined): Problem[] {
  const problems: Problem[] = [];
  if (spec.bank && !upload) problems.push({ pointer: '/bank/upload', message: 'your organization has no upload of that name' });
  if (spec.platform && !dataset) problems.push({ pointer: '/platform/dataset', message: 'there is no dataset of that name' });
  const uploadColumn = (name: string) => upload?.columns.find((c) => c.name === name);
  const datasetColumn = (name: string) => dataset?.columns.find((c) => c.name === name);
  // Suggestions come from names the bank can see and use anyway (`dataset show` lists them), never from rows.
  const uploadNames = upload?.columns.map((c) => c.name) ?? [];
  const usableNames = dataset?.columns.filter((c) => c.policy === 'feature' || c.policy === 'sensitive').map((c) => c.name) ?? [];
  (spec.bank?.columns ?? []).forEach((name, i) => {
    const pointer = `/bank/columns/${i}`;
    if (upload && !uploadColumn(name)) problems.push(unknownColumnProblem(pointer, name, 'upload', uploadNames));
    if (name === spec.label) problems.push({ pointer, message: 'is the label and cannot also be a feature' });
    if (spec.platform?.columns.includes(name)) problems.push({ pointer, message: 'is also named among the platform columns; rename it in the upload' });
  });
  if (dataset) {
    spec.platform!.columns.forEach((name, i) => {
      const pointer = `/platform/columns/${i}`;
      const column = datasetColumn(name);
      if (!column) problems.push(unknownColumnProblem(pointer, name, 'dataset', usableNames));
      else if (column.policy === 'forbidden') problems.push({ pointer, message: "is forbidden by the dataset's policy" });
      else if (column.policy === 'id') problems.push({ pointer, message: 'is the id column' });
      else if (column.policy === 'label') problems.push({ pointer, message: 'is a label column and cannot be a feature' });
      if (name === spec.label) problems.push({ pointer, message: 'is the label and cannot also be a feature' });
    });
  }
  const split = spec.validation?.splitColumn;
  if (split && upload && !uploadColumn(split)) problems.push(unknownColumnProblem('/validation/splitColumn', split, 'upload', uploadNames));
  if (split && (spec.bank?.columns ?? []).includes(split)) problems.push({ pointer: '/validation/splitColumn', message: 'cannot also be a feature' });
  if (spec.label && upload && !uploadColumn(spec.label)) {
    const platformLabel = dataset && datasetColumn(spec.label)?.policy === 'label';
    if (!platformLabel) problems.push({ pointer: '/label', message: 'is neither a column of the upload nor a label column of the dataset' });
  }
  try {
    resolveSpec(spec).params();
  } catch (e) {
    const key = /"([^"]+)"/.exec((e as Error).message)?.[1] ?? '';
    problems.push({ pointer: `/model/params/${key}`, message: (e as Error).message });
  }
  return problems;
}

/** Encrypted-label training the rounds could never flood is refused now, not after approval, keys and a session (enclave/release/he-training-fit.ts). */
export function assertHeTrainingFits(spec: JobSpec, dataset: DatasetMeta, paramSet?: ParamSetName): void {
  const he = assertHeSettings(spec);
  const columns = spec.platform!.columns.map((name) => ({ name, categorical: dataset.columns.find((c) => c.name === name)?.type === 'categorical' }));
  const problems = heTrainingProblems({ paramSet: paramSet ?? he.paramSet, l2: he.l2, columns });
  if (problems.length) throw new ProblemsError('he_training_unfit', 'encrypted-label training could not noise-flood the rounds of this spec', problems, 'validation');
}

export async function submitJob(db: Db, body: unknown, actor: Principal, epsilonBudget: number): Promise<JobRow> {
  const spec = assertValid(validateSpec, body, 'spec');
  if (spec.mode === 'he-train' || spec.mode === 'he-score') {
    // Bounded HE settings are a 400 like any schema violation; stored resolved, so what is charged and used is what was reviewed.
    const he = assertHeSettings(spec);
    const paramSet = he.paramSet ? { paramSet: he.paramSet } : {};
    spec.he = spec.mode === 'he-train' ? { ...paramSet, rounds: he.rounds, epsilon: he.epsilon } : paramSet;
  }
  const modeIssues = spec.mode === 'monitor' ? monitorModeProblems(spec) : modeProblems(spec);
  if (modeIssues.length) throw new ProblemsError('spec_mode', 'the spec does not fit its mode', modeIssues, 'validation');
  // A monitor spec is stored resolved: the monitored model's platform features and the two snapshots.
  if (spec.mode === 'monitor') Object.assign(spec, await resolveMonitorSpec(db, spec, actor));
  const upload = spec.bank ? await uploadByName(db, actor.org, spec.bank.upload) : undefined;
  const dataset = spec.platform ? await getDatasetMeta(db, spec.platform.dataset) : undefined;
  const problems = referenceProblems(spec, upload, dataset);
  if (problems.length) throw new ProblemsError('spec_references', 'the spec names data or columns it cannot use', problems, 'validation');
  if (spec.mode === 'he-train') assertHeTrainingFits(spec, dataset!);
  const flags = await riskFlags(db, spec, upload, dataset);
  const id = `j_${randomUUID()}`;
  const now = new Date().toISOString();
  await db.transaction(async (q) => {
    // Checked and charged in one transaction, so two submissions cannot both spend the last of the budget.
    const epsilon = chargedEpsilon(spec);
    if (epsilon > 0) await assertBudget(q, actor.org, epsilon, epsilonBudget);
    await q.run('INSERT INTO jobs (id, owner, org, spec, state, flags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      id,
      actor.id,
      actor.org,
      JSON.stringify(spec),
      'submitted',
      JSON.stringify(flags),
      now,
      now,
    ]);
    await appendAudit(q, { actor: actor.id, action: 'job.submitted', object: `job:${id}`, detail: { family: spec.model.family, mode: resolveSpec(spec).mode, flags: flags.map((f) => f.code) } });
  });
  return (await jobRow(db, id))!;
}
