/** Per-enterprise outputs in the clear: scoring with a released model, behind consent and extraction limits. */
import { Router } from 'express';
import { JointlabError } from '../../../lab/errors';
import { revokeConsent } from '../../data/consents';
import { scoreWithReleasedModel } from '../../scoring/score';
import { allow, jsonBody, principalOf } from '../auth';
import { EnclaveContext } from '../context';

const stringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 64);

export function scoringRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.post('/score', allow('bank'), async (req, res) => {
    const body = jsonBody(req) as { job?: unknown; ids?: unknown };
    if (typeof body.job !== 'string' || !stringList(body.ids)) throw new JointlabError('schema_violation', 'send {"job": "<id>", "ids": ["<enterprise id>", ...]}', 'usage');
    res.json(await scoreWithReleasedModel(ctx.db, ctx.limiter, principalOf(res), body.job, body.ids));
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
