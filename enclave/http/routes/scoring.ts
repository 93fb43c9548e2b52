/** Per-enterprise outputs in the clear: scoring with a released model, behind consent and extraction limits; the steward's scoring policy and model-budget counts. */
import express, { Router } from 'express';
import { JointlabError } from '../../../lab/errors';
import { revokeConsent } from '../../data/consents';
import { getDatasetMeta } from '../../data/datasets';
import { budgetCounts } from '../../release/model-budget';
import { releaseCount } from '../../release/disclosure';
import { scoringPolicyOf, setScoringPolicy } from '../../scoring/policy-store';
import { assertValid } from '../../../lab/spec/problems';
import { validateScoreRequest } from '../../../lab/spec/score-request';
import { scorePlatformPart, scoreWithReleasedModel } from '../../scoring/score';
import { allow, csvBody, jsonBody, principalOf } from '../auth';
import { scoreApplicants } from '../../scoring/applicants';
import { EnclaveContext } from '../context';


async function datasetOf(ctx: EnclaveContext, name: string): Promise<string> {
  if (!(await getDatasetMeta(ctx.db, name))) throw new JointlabError('not_found', `no dataset "${name}"`, 'not_found');
  return name;
}

export function scoringRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.post('/score', allow('bank'), async (req, res) => {
    const body = assertValid(validateScoreRequest, jsonBody(req), 'scoring request');
    const actor = principalOf(res);
    res.json(body.part === 'platform' ? await scorePlatformPart(ctx.db, ctx.limiter, actor, body.job, body.ids) : await scoreWithReleasedModel(ctx.db, ctx.limiter, actor, body.job, body.ids));
  });
  // Joint scores in one request: the bank's own features of its applicants in, full scores out (enclave/scoring/applicants.ts).
  r.post('/jobs/:id/applicants', allow('bank'), express.raw({ type: 'text/csv', limit: ctx.settings.csvLimit }), async (req, res) => {
    const idColumn = typeof req.query.idColumn === 'string' && req.query.idColumn ? req.query.idColumn : 'id';
    res.json(await scoreApplicants(ctx.db, ctx.limiter, principalOf(res), String(req.params.id), csvBody(req), idColumn));
  });
  r.get('/scoring/policy/:dataset', allow('bank', 'steward'), async (req, res) => {
    const dataset = await datasetOf(ctx, String(req.params.dataset));
    res.json({ dataset, ...(await scoringPolicyOf(ctx.db, dataset)) });
  });
  r.put('/scoring/policy/:dataset', allow('steward'), async (req, res) => {
    const body = jsonBody(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new JointlabError('schema_violation', 'send {"modelsPerWindow"?, "windowDays"?, "noiseSwap"?, "noiseSd"?}', 'usage');
    const dataset = String(req.params.dataset);
    res.json({ dataset, ...(await setScoringPolicy(ctx.db, dataset, body as Record<string, unknown>, principalOf(res))) });
  });
  r.get('/scoring/budget/:dataset', allow('bank', 'steward'), async (req, res) => {
    const viewer = principalOf(res);
    const dataset = await datasetOf(ctx, String(req.params.dataset));
    const meta = (await getDatasetMeta(ctx.db, dataset))!;
    const policy = await scoringPolicyOf(ctx.db, dataset);
    const asked = typeof req.query.bank === 'string' && req.query.bank ? req.query.bank : undefined;
    // A bank sees its own organization's counts, each standing for at least k enterprises; the steward sees every bank's, exact.
    const bank = viewer.role === 'bank' ? viewer.org : asked;
    const counts = await budgetCounts(ctx.db, policy, dataset, bank);
    const shown = viewer.role === 'bank'
      ? counts.map((c) => ({ ...c, byModels: c.byModels.map((b) => ({ models: b.models, enterprises: releaseCount(b.enterprises, meta.k) })), atLimit: releaseCount(c.atLimit, meta.k) }))
      : counts;
    res.json({ dataset, policy, banks: shown });
  });
  r.post('/consents/revoke', allow('steward'), async (req, res) => {
    const body = jsonBody(req) as { enterprise?: unknown; bank?: unknown; purpose?: unknown };
    if (typeof body.enterprise !== 'string' || typeof body.bank !== 'string' || (body.purpose !== undefined && typeof body.purpose !== 'string')) {
      throw new JointlabError('schema_violation', 'send {"enterprise": "<id>", "bank": "<org>", "purpose"?: "training|scoring|report"}', 'usage');
    }
    res.json(await revokeConsent(ctx.db, body as { enterprise: string; bank: string; purpose?: 'training' }, principalOf(res), ctx.pseudonym));
  });
  return r;
}
