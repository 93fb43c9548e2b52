/**
 * Plaintext scoring of named enterprises with a released model: only enterprises holding a valid
 * scoring consent for the asking bank are scored, the rest are refused by id with the reason; the
 * model must pass the scoring rule, each enterprise has a model budget, the model sees rows after the
 * score noise, values are rounded, and every request passes the extraction limits. The same path
 * answers with a whole score (platform-only models) or with the platform part of a joint model's
 * score, which the bank completes with its own part (lab/model-parts.ts).
 */
import { cellTable } from '../../lab/data/join';
import { modelFrame } from '../../lab/data/model-frame';
import { JointlabError } from '../../lab/errors';
import { isSplittable, notSplittable, splitModel } from '../../lab/model-parts';
import { JobSpec } from '../../lab/spec/job-spec';
import type { PlatformPartAnswer } from '../../lab/api/platform-part';
import { loadModel } from '../../models';
import { FeatureRef, Frame } from '../../models/frame';
import { ModelFile } from '../../models/model';
import { appendAudit } from '../audit/log';
import type { Principal } from '../../lab/api/principals';
import { checkConsent } from '../data/consents';
import { datasetCells } from '../data/datasets';
import { StoredResult, jobMode, visibleJob } from '../jobs/jobs';
import { Db } from '../store/db';
import { ScoreLimiter } from './limits';
import { scoringRuleVerdict } from './rule-verdict';
import { scoringPolicyOf } from './policy-store';
import { perturbedCells } from './perturbed-rows';
import { chargeModelBudget } from '../release/model-budget';
import type { ScoreAnswer } from '../../lab/api/scoring';
import { decodeJob } from '../jobs/decode';

export type { PlatformPartAnswer };

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

interface ReleasedModel {
  jobId: string;
  spec: JobSpec & { platform: NonNullable<JobSpec['platform']> };
  model: ModelFile;
  /** The model's features that are not platform columns of the job: the bank's own. */
  bankFeatures: string[];
  stored: StoredResult;
}

/** The job's released model, checked as every per-enterprise output needs it: the request limits first, then visibility and release. */
async function releasedModel(db: Db, limiter: ScoreLimiter, actor: Principal, jobId: string, ids: string[]): Promise<ReleasedModel> {
  limiter.assertIdCount(ids.length);
  limiter.takeRequest(actor.id);
  const job = await visibleJob(db, jobId, actor);
  // A network job's model was released into every province's copy of the job: each scores its own enterprises.
  if ((jobMode(job) !== 'plaintext' && jobMode(job) !== 'network') || job.state !== 'released' || !job.result) {
    throw new JointlabError('no_released_model', `job ${jobId} has no released model to score with`, 'conflict');
  }
  const stored = JSON.parse(job.result) as StoredResult;
  const model = stored.release.released.parameters?.model as ModelFile | undefined;
  if (!model) throw new JointlabError('no_released_model', 'the job\'s parameters were withheld', 'conflict');
  const { spec } = decodeJob(job);
  const platformColumns = new Set(spec.platform?.columns ?? []);
  const bankFeatures = model.features.filter((f) => !platformColumns.has(f.name)).map((f) => f.name);
  if (!spec.platform) {
    throw new JointlabError('needs_bank_features', `the model uses only the bank's own features, which the enclave does not hold: score on your side (jointlab export ${jobId} --format json --out model.json, then jointlab score --model model.json --data FILE)`, 'validation');
  }
  return { jobId, spec: spec as ReleasedModel['spec'], model, bankFeatures, stored };
}

/**
 * The one scoring core: the scoring rule, consent, the daily quota, the model budget and the score
 * noise, then `evaluate` on the frame of `features` for the enterprises that pass, and an audit entry.
 */
async function scoreConsented<T>(db: Db, limiter: ScoreLimiter, actor: Principal, released: ReleasedModel, ids: string[], features: readonly FeatureRef[], part: 'full' | 'platform', evaluate: (frame: Frame) => Promise<T[]>): Promise<{ ids: string[]; values: T[]; refused: { id: string; reason: string }[] }> {
  const { jobId, spec, model, stored } = released;
  // Jobs released before the rule existed are judged now, the same way. The rule looks at the platform
  // features only: a joint model's platform part is as disclosive as a platform-only model's logit.
  const verdict = stored.scoring ?? (await scoringRuleVerdict(db, spec, model));
  if (!verdict.passes) throw new JointlabError('scoring_rule', `this model may not score enterprises: ${verdict.reason}`, 'conflict');
  const consent = await checkConsent(db, actor.org, 'scoring', ids);
  const columns = features.map((f) => f.name);
  const { byId } = await datasetCells(db, spec.platform.dataset, columns, consent.allowed);
  const found = consent.allowed.filter((id) => byId.has(id));
  const missing = consent.allowed.filter((id) => !byId.has(id));
  await limiter.chargeEnterprises(actor.id, found);
  const policy = await scoringPolicyOf(db, spec.platform.dataset);
  // The whole score and the platform part are the same model: one budget entry for both.
  const budget = await chargeModelBudget(db, limiter.pseudonym, policy, { bank: actor.org, dataset: spec.platform.dataset, model: `job:${jobId}`, ids: found });
  const scored = budget.allowed;
  // The model sees the rows after the score noise, never the stored values themselves.
  const noisy = await perturbedCells(db, policy, spec.platform.dataset, columns, byId, scored);
  const cells = new Map(columns.map((c, j) => [c, scored.map((id) => noisy.get(id)![j])]));
  const joined = cellTable(cells, scored);
  const values = scored.length ? await evaluate(modelFrame(joined, features)) : [];
  await db.transaction((q) =>
    appendAudit(q, { actor: actor.id, action: 'score', object: `job:${jobId}`, detail: { ...(part === 'platform' ? { part } : {}), scored: scored.length, refused: ids.length - scored.length, overBudget: budget.refused.length } }),
  );
  return { ids: scored, values, refused: [...consent.refused, ...missing.map((id) => ({ id, reason: 'no platform record' })), ...budget.refused] };
}

/** Whole scores of a model on platform features only; a joint model is pointed at its platform part. */
export async function scoreWithReleasedModel(db: Db, limiter: ScoreLimiter, actor: Principal, jobId: string, ids: string[]): Promise<ScoreAnswer> {
  const released = await releasedModel(db, limiter, actor, jobId, ids);
  const { model, bankFeatures } = released;
  if (bankFeatures.length) {
    const refusal = notSplittable(model.kind).message;
    const how = !isSplittable(model.kind) ? ` ${refusal[0].toUpperCase()}${refusal.slice(1)}.` : ` Ask for its platform part instead ({"job", "ids", "part": "platform"}) and add the bank part on your side: jointlab job score ${jobId} --ids FILE --bank-features FILE`;
    throw new JointlabError('needs_bank_features', `the model is joint: it also needs the bank's own features (${bankFeatures.join(', ')}), which the enclave does not hold.${how}`, 'validation');
  }
  const fitted = loadModel(model);
  const r = await scoreConsented(db, limiter, actor, released, ids, model.features, 'full', async (frame) => {
    const probabilities = await fitted.predict(frame);
    const points = fitted.points?.(frame);
    return Array.from(probabilities, (p, i) => ({ score: round(p, limiter.digits), ...(points ? { points: round(points[i], Math.max(limiter.digits - 2, 0)) } : {}) }));
  });
  return { scores: r.ids.map((id, i) => ({ id, ...r.values[i] })), refused: r.refused };
}

/**
 * The platform part of a logistic regression's or scorecard's score (log-odds or points of the
 * platform features, without the intercept or base points) for consented applicants, under the same
 * controls as whole scores; the bank adds the part of its own features.
 */
export async function scorePlatformPart(db: Db, limiter: ScoreLimiter, actor: Principal, jobId: string, ids: string[]): Promise<PlatformPartAnswer> {
  const released = await releasedModel(db, limiter, actor, jobId, ids);
  const parts = splitModel(released.model, released.spec.platform.columns);
  // Points are released with two digits fewer than log-odds, as whole scores release them.
  const digits = parts.unit === 'points' ? Math.max(limiter.digits - 2, 0) : limiter.digits;
  const r = await scoreConsented(db, limiter, actor, released, ids, parts.platform, 'platform', async (frame) => Array.from(parts.platformPart(frame), (x) => round(x, digits)));
  return {
    job: jobId,
    part: 'platform',
    unit: parts.unit,
    features: parts.platform.map((f) => f.name),
    parts: r.ids.map((id, i) => ({ id, value: r.values[i] })),
    refused: r.refused,
  };
}
