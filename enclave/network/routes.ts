/**
 * The routes the network hub calls on a member enclave, under /v1/network with the hub's own token
 * (not a principal's): the member's identity and schemas, a province's part of a network job, its
 * rounds, its outcome and the hub's stop. Approval stays with this province's steward, through the ordinary job routes.
 */
import { RequestHandler, Router } from 'express';
import { JointlabError } from '../../lab/errors';
import type { MemberInfo } from '../../lab/api/network';
import { listDatasets } from '../data/datasets';
import { jsonBody } from '../http/auth';
import type { EnclaveContext } from '../http/context';
import { acceptNetworkJob, answerRound, finishNetworkJob, memberJobState, stopNetworkJob } from './jobs';
import { isHubToken, networkIdentity } from './membership';
import { assertFinish, assertMemberJob, assertRound, assertStop } from './requests';

function hubOnly(ctx: EnclaveContext): RequestHandler {
  return async (req, _res, next) => {
    if (!ctx.settings.network) throw new JointlabError('not_network_member', 'this enclave is not a member of a network (start it with --province)', 'not_found');
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match || !(await isHubToken(ctx.db, match[1]))) throw new JointlabError('unauthenticated', 'network routes need the token issued to the hub (jointlab network join)', 'auth');
    next();
  };
}

export function networkRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.use(hubOnly(ctx));
  r.get('/info', async (_req, res) => {
    const network = ctx.settings.network!;
    const standard = network.standard ? { name: network.standard.name, version: network.standard.version, columns: network.standard.columns } : null;
    const datasets = (await listDatasets(ctx.db)).map((d) => ({ name: d.name, columns: d.columns.map((c) => ({ name: c.name, type: c.type, policy: c.policy })) }));
    res.json({ province: network.province, publicKey: (await networkIdentity(ctx.db)).publicKey, standard, datasets } satisfies MemberInfo);
  });
  r.post('/jobs', async (req, res) => {
    res.status(201).json(await acceptNetworkJob(ctx, assertMemberJob(jsonBody(req))));
  });
  r.get('/jobs/:id', async (req, res) => {
    res.json(await memberJobState(ctx, String(req.params.id)));
  });
  r.post('/jobs/:id/rounds', async (req, res) => {
    res.json(await answerRound(ctx, String(req.params.id), assertRound(jsonBody(req))));
  });
  r.post('/jobs/:id/finish', async (req, res) => {
    res.json(await finishNetworkJob(ctx, String(req.params.id), assertFinish(jsonBody(req))));
  });
  r.post('/jobs/:id/stop', async (req, res) => {
    res.json(await stopNetworkJob(ctx, String(req.params.id), assertStop(jsonBody(req))));
  });
  return r;
}
