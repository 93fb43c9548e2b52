/** The hub's routes: the admin registers member enclaves; banks list them, submit network jobs, run and follow them. */
import { Router } from 'express';
import { JointlabError } from '../../lab/errors';
import { allow, jsonBody, principalOf } from '../../enclave/http/auth';
import { addMember, listMembers } from '../members';
import { deliverStopNotices } from '../stop-notices';
import { verifyAudit } from '../../enclave/audit/log';
import { runNetworkJob, submitNetworkJob, viewHubJob } from '../jobs';
import type { HubContext } from './app';

const text = (body: Record<string, unknown>, key: string): string => {
  const v = body[key];
  if (typeof v !== 'string' || !v) throw new JointlabError('missing_parameter', `"${key}" is required`, 'usage');
  return v;
};

export function hubRoutes(ctx: HubContext): Router {
  const r = Router();
  r.get('/members', allow('admin', 'bank'), async (_req, res) => {
    res.json({ members: await listMembers(ctx.db) });
  });
  r.post('/members', allow('admin'), async (req, res) => {
    const body = jsonBody(req) as Record<string, unknown>;
    const member = await addMember(ctx.db, { province: text(body, 'province'), url: text(body, 'url'), token: text(body, 'token'), publicKey: text(body, 'publicKey') }, principalOf(res).id);
    // A member added again (back at a new address, say) hears at once the stops it missed while down.
    await deliverStopNotices(ctx.db, member.province).catch(() => undefined);
    res.status(201).json(member);
  });
  r.post('/jobs', allow('bank'), async (req, res) => {
    res.status(201).json(await submitNetworkJob(ctx.db, jsonBody(req), principalOf(res)));
  });
  r.get('/jobs', allow('bank', 'admin'), async (_req, res) => {
    const viewer = principalOf(res);
    const rows = await ctx.db.all<{ id: string; org: string; state: string; created_at: string }>('SELECT id, org, state, created_at FROM jobs ORDER BY created_at');
    res.json({ jobs: rows.filter((j) => viewer.role !== 'bank' || j.org === viewer.org).map((j) => ({ id: j.id, org: j.org, state: j.state, createdAt: j.created_at })) });
  });
  r.get('/jobs/:id', allow('bank', 'admin'), async (req, res) => {
    res.json(await viewHubJob(ctx.db, String(req.params.id), principalOf(res)));
  });
  r.post('/jobs/:id/run', allow('bank'), async (req, res) => {
    res.status(202).json(await runNetworkJob(ctx.db, String(req.params.id), principalOf(res), ctx.log));
  });
  // The hub's own hash-chained audit log: member registrations and every job move.
  r.get('/audit/verify', allow('admin'), async (_req, res) => {
    res.json(await verifyAudit(ctx.db));
  });
  return r;
}
