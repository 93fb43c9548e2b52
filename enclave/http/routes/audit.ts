/** The audit log for stewards and admins: the latest entries and a verification of the whole chain. */
import { Router } from 'express';
import { JointlabError } from '../../../lab/errors';
import { principalsOf } from '../../audit/actors';
import { tailAudit, verifyAudit } from '../../audit/log';
import { allow } from '../auth';
import { EnclaveContext } from '../context';
import type { AuditTail } from '../../../lab/api/audit';

export function auditRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.get('/audit', allow('steward', 'admin'), async (req, res) => {
    const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new JointlabError('bad_limit', 'limit must be a whole number from 1 to 1000', 'usage');
    const entries = await tailAudit(ctx.db, limit);
    // Names beside the ids: the entries themselves keep ids, as hashed.
    res.json({ entries, principals: await principalsOf(ctx.db, entries) } satisfies AuditTail);
  });
  r.get('/audit/verify', allow('steward', 'admin'), async (_req, res) => {
    res.json(await verifyAudit(ctx.db));
  });
  return r;
}
