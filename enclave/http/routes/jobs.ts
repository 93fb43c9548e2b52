/** Jobs: banks submit and follow their own; stewards review, approve or reject, and everyone entitled reads released results. */
import { Router } from 'express';
import { JOB_STATES, JobState } from '../../../lab/lifecycle';
import { JointlabError } from '../../../lab/errors';
import { assertValid } from '../../../lab/spec/problems';
import { validators } from '../../../lab/spec/requests';
import { jobViewBody, listJobs, viewJob, visibleJob } from '../../jobs/jobs';
import { jobResults } from '../../jobs/results';
import { submitJob } from '../../jobs/submit';
import { budgetView } from '../../jobs/privacy-budget';
import { approveJob, cancelJob, rejectJob } from '../../jobs/decisions';
import { allow, jsonBody, principalOf } from '../auth';
import { EnclaveContext } from '../context';
import type { JobList } from '../../../lab/api/jobs';

export function jobRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.post('/jobs', allow('bank'), async (req, res) => {
    const row = await submitJob(ctx.db, jsonBody(req), principalOf(res), ctx.settings.epsilonBudget);
    res.status(201).location(`/v1/jobs/${row.id}`).json(viewJob(row, principalOf(res)));
  });

  r.get('/privacy/budget', allow('bank', 'steward'), async (req, res) => {
    const viewer = principalOf(res);
    const org = viewer.role === 'bank' ? viewer.org : req.query.org;
    if (typeof org !== 'string' || !org) throw new JointlabError('missing_parameter', 'query parameter "org" is required', 'usage');
    res.json(await budgetView(ctx.db, org, ctx.settings.epsilonBudget));
  });

  r.get('/jobs', allow('bank', 'steward'), async (req, res) => {
    const state = req.query.state;
    if (state !== undefined && !JOB_STATES.includes(state as JobState)) {
      throw new JointlabError('bad_state', `state must be one of ${JOB_STATES.join(', ')}`, 'usage');
    }
    const viewer = principalOf(res);
    res.json({ jobs: (await listJobs(ctx.db, viewer, state as JobState | undefined)).map((j) => viewJob(j, viewer)) } satisfies JobList);
  });

  r.get('/jobs/:id', allow('bank', 'steward'), async (req, res) => {
    // The body as res.json would send it, from memory while the job is unchanged: clients poll this route.
    const body = await jobViewBody(ctx.db, String(req.params.id), principalOf(res));
    // One string for head and body: Node writes them in one system call (res.json passes a Buffer, written apart).
    res.set({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) }).end(body);
  });

  r.post('/jobs/:id/approve', allow('steward'), async (req, res) => {
    const body = assertValid(validators.approve, jsonBody(req), 'approval');
    res.json(await approveJob(ctx.db, ctx.runner, String(req.params.id), principalOf(res), body.allowSensitive ?? []));
  });

  r.post('/jobs/:id/reject', allow('steward'), async (req, res) => {
    const body = assertValid(validators.reject, jsonBody(req), 'rejection');
    res.json(await rejectJob(ctx.db, String(req.params.id), principalOf(res), body.reason));
  });

  r.post('/jobs/:id/cancel', allow('bank', 'steward'), async (req, res) => {
    res.json(await cancelJob(ctx.db, ctx.runner, String(req.params.id), principalOf(res)));
  });

  r.get('/jobs/:id/results', allow('bank', 'steward'), async (req, res) => {
    res.json(jobResults(await visibleJob(ctx.db, String(req.params.id), principalOf(res))));
  });
  return r;
}
