/** Per-enterprise outputs in the clear: scoring with a released model, behind consent and extraction limits; the steward's scoring policy and model-budget counts. */
import express, { Router } from 'express';
import { JointlabError } from '../../../lab/errors';
import { revokeConsent } from '../../data/consents';
import { getDatasetMeta } from '../../data/datasets';
import { budgetCounts } from '../../release/model-budget';
import { releaseCount } from '../../release/disclosure';
import { scoringPolicyOf, setScoringPolicy } from '../../scoring/policy-store';
import { assertValid } from '../../../lab/spec/problems';
import { scorePlatformPart, scoreWithReleasedModel } from '../../scoring/score';
import { allow, csvBody, jsonBody, principalOf } from '../auth';
import { scoreApplicants } from '../../scoring/applicants';
import { EnclaveContext } from '../context';
import type { DatasetScoringPolicy, ScoringBudget } from '../../../lab/api/scoring';
import { validators } from '../../../lab/spec/requests';

async function datasetOf(ctx: EnclaveContext, name: string): Promise<string> {
  if (!(await getDatasetMeta(ctx.db, name))) throw new JointlabError('not_found', `no dataset "${name}"`, 'not_found');
  return name;
}

export function scoringRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.post('/score', allow('bank'), async (req, res) => {
    const body = assertValid(validators.score, jsonBody(req), 'scoring request');
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
    res.json({ dataset, ...(await scoringPolicyOf(ctx.db, dataset)) } satisfies DatasetScoringPolicy);
  });
  r.put('/scoring/policy/:dataset', allow('steward'), async (req, res) => {
    // Out-of-range settings keep the code they have always had.
    const body = assertValid(validators.scoringPolicy, jsonBody(req), 'scoring policy', 'bad_scoring_policy');
    const dataset = String(req.params.dataset);
    res.json({ dataset, ...(await setScoringPolicy(ctx.db, dataset, body, principalOf(res))) } satisfies DatasetScoringPolicy);
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
    res.json({ dataset, policy, banks: shown } satisfies ScoringBudget);
  });
  r.post('/consents/revoke', allow('steward'), async (req, res) => {
    const body = assertValid(validators.revoke, jsonBody(req), 'revocation');
    res.json(await revokeConsent(ctx.db, body, principalOf(res), ctx.pseudonym));
  });
  return r;
}
