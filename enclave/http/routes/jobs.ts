/** Jobs: banks submit and follow their own; stewards review, approve or reject, and everyone entitled reads released results. */
import { Router } from 'express';
import { JOB_STATES, JobState } from '../../../lab/lifecycle';
import { JointlabError } from '../../../lab/errors';
import { JobSpec } from '../../../lab/spec/job-spec';
import { assertValid } from '../../../lab/spec/problems';
import { validators } from '../../../lab/spec/requests';
import { getDatasetMeta } from '../../data/datasets';
import { listJobs, viewJob, visibleJob } from '../../jobs/jobs';
import { jobResults } from '../../jobs/results';
import { submitJob } from '../../jobs/submit';
import { budgetView } from '../../jobs/privacy-budget';
import { transition } from '../../jobs/transition';
import { closeSessionsOfJob } from '../../he/sessions';
import { allow, jsonBody, principalOf } from '../auth';
import { EnclaveContext } from '../context';

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
    res.json({ jobs: (await listJobs(ctx.db, viewer, state as JobState | undefined)).map((j) => viewJob(j, viewer)) });
  });

  r.get('/jobs/:id', allow('bank', 'steward'), async (req, res) => {
    const viewer = principalOf(res);
    res.json(viewJob(await visibleJob(ctx.db, String(req.params.id), viewer), viewer));
  });

  r.post('/jobs/:id/approve', allow('steward'), async (req, res) => {
    const body = assertValid(validators.approve, jsonBody(req), 'approval');
    const id = String(req.params.id);
    const job = await visibleJob(ctx.db, id, principalOf(res));
    const spec = JSON.parse(job.spec) as JobSpec;
    const dataset = spec.platform ? await getDatasetMeta(ctx.db, spec.platform.dataset) : undefined;
    const sensitive = (spec.platform?.columns ?? []).filter((c) => dataset?.columns.find((d) => d.name === c)?.policy === 'sensitive');
    const allowed = body.allowSensitive ?? [];
    const missing = sensitive.filter((c) => !allowed.includes(c));
    if (missing.length && job.state === 'submitted') {
      throw new JointlabError('sensitive_not_approved', `the spec uses sensitive columns that must be approved explicitly: ${missing.join(', ')}`, 'validation');
    }
    const state = await transition(ctx.db, id, 'approved', principalOf(res).id, {
      alsoWrite: async (q) => {
        await q.run('UPDATE jobs SET approved_sensitive = ? WHERE id = ?', [JSON.stringify(sensitive), id]);
      },
    });
    // Encrypted modes run when the bank drives them through an HE session, not in the runner.
    if ((spec.mode ?? 'plaintext') === 'plaintext') ctx.runner.enqueue(id);
    res.json({ id, state });
  });

  r.post('/jobs/:id/reject', allow('steward'), async (req, res) => {
    const body = assertValid(validators.reject, jsonBody(req), 'rejection');
    const id = String(req.params.id);
    await visibleJob(ctx.db, id, principalOf(res));
    res.json({ id, state: await transition(ctx.db, id, 'rejected', principalOf(res).id, { reason: body.reason }) });
  });

  r.post('/jobs/:id/cancel', allow('bank', 'steward'), async (req, res) => {
    const id = String(req.params.id);
    const viewer = principalOf(res);
    const job = await visibleJob(ctx.db, id, viewer);
    if (job.state !== 'cancelled' && job.state !== 'approved' && job.state !== 'running') {
      throw new JointlabError('bad_transition', `the job is ${job.state} and cannot be cancelled`, 'conflict');
    }
    await ctx.runner.cancel(id);
    const state = await transition(ctx.db, id, 'cancelled', viewer.id, { reason: `cancelled by ${viewer.role}`, from: ['approved', 'running'] });
    // An HE job's keys go with it.
    await closeSessionsOfJob(ctx.db, id);
    res.json({ id, state });
  });

  r.get('/jobs/:id/results', allow('bank', 'steward'), async (req, res) => {
    res.json(jobResults(await visibleJob(ctx.db, String(req.params.id), principalOf(res))));
  });
  return r;
}
