/**
 * Plaintext scoring of named enterprises with a released model: only enterprises holding a valid
 * scoring consent for the asking bank are scored, the rest are refused by id with the reason; the
 * model must pass the scoring rule, each enterprise has a model budget, the model sees rows after the
 * score noise, scores are rounded, and every request passes the extraction limits.
 */
import { frameOf } from '../../lab/data/columns';
import { JoinedTable } from '../../lab/data/join';
import { JointlabError } from '../../lab/errors';
import { loadModel } from '../../models';
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

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export async function scoreWithReleasedModel(db: Db, limiter: ScoreLimiter, actor: Principal, jobId: string, ids: string[]): Promise<ScoreAnswer> {
  limiter.assertIdCount(ids.length);
  limiter.takeRequest(actor.id);
  const job = await visibleJob(db, jobId, actor);
  if (jobMode(job) !== 'plaintext' || job.state !== 'released' || !job.result) {
    throw new JointlabError('no_released_model', `job ${jobId} has no released model to score with`, 'conflict');
  }
  const stored = JSON.parse(job.result) as StoredResult;
  const model = stored.release.released.parameters?.model as ModelFile | undefined;
  if (!model) throw new JointlabError('no_released_model', 'the job\'s parameters were withheld', 'conflict');
  const { spec } = decodeJob(job);
  const platformColumns = new Set(spec.platform?.columns ?? []);
  const bankOnly = model.features.filter((f) => !platformColumns.has(f.name)).map((f) => f.name);
  if (!spec.platform || bankOnly.length) {
    throw new JointlabError('needs_bank_features', `the model also needs the bank's own features (${bankOnly.join(', ') || 'all of them'}); score those applicants on the bank's side`, 'validation');
  }
  // Jobs released before the rule existed are judged now, the same way.
  const verdict = stored.scoring ?? (await scoringRuleVerdict(db, spec, model));
  if (!verdict.passes) throw new JointlabError('scoring_rule', `this model may not score enterprises: ${verdict.reason}`, 'conflict');
  const consent = await checkConsent(db, actor.org, 'scoring', ids);
  const columns = model.features.map((f) => f.name);
  const { byId } = await datasetCells(db, spec.platform.dataset, columns, consent.allowed);
  const found = consent.allowed.filter((id) => byId.has(id));
  const missing = consent.allowed.filter((id) => !byId.has(id));
  await limiter.chargeEnterprises(actor.id, found);
  const policy = await scoringPolicyOf(db, spec.platform.dataset);
  const budget = await chargeModelBudget(db, limiter.pseudonym, policy, { bank: actor.org, dataset: spec.platform.dataset, model: `job:${jobId}`, ids: found });
  const scored = budget.allowed;
  // The model sees the rows after the score noise, never the stored values themselves.
  const noisy = await perturbedCells(db, policy, spec.platform.dataset, columns, byId, scored);
  const cells = new Map(columns.map((c, j) => [c, scored.map((id) => noisy.get(id)![j])]));
  const joined: JoinedTable = { ids: scored, names: columns, cells, lines: scored.map((_, i) => i + 2) };
  const categorical = new Set(model.features.filter((f) => f.kind === 'categorical').map((f) => f.name));
  const fitted = loadModel(model);
  const frame = frameOf(joined, columns, categorical);
  const probabilities = scored.length ? await fitted.predict(frame) : new Float64Array(0);
  const points = scored.length ? fitted.points?.(frame) : undefined;
  await db.transaction((q) => appendAudit(q, { actor: actor.id, action: 'score', object: `job:${jobId}`, detail: { scored: scored.length, refused: ids.length - scored.length, overBudget: budget.refused.length } }));
  return {
    scores: scored.map((id, i) => ({ id, score: round(probabilities[i], limiter.digits), ...(points ? { points: round(points[i], Math.max(limiter.digits - 2, 0)) } : {}) })),
    refused: [...consent.refused, ...missing.map((id) => ({ id, reason: 'no platform record' })), ...budget.refused],
  };
}
