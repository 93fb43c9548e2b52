/** PSI sessions (ECDH private set intersection): a bank aligns its customer list with a dataset before it uploads the intersecting rows only. */
import express, { Request, Router } from 'express';
import { POINTS_TYPE } from '../../../lab/psi/points';
import { POINT_BYTES } from '../../../lab/psi/x25519';
import { assertValid } from '../../../lab/spec/problems';
import { validatePsiOpen } from '../../../lab/spec/psi-request';
import { allow, jsonBody, principalOf } from '../auth';
import { EnclaveContext } from '../context';

const chunkOf = (req: Request): number => Number(req.params.chunk);

export function psiRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  // Twice the largest chunk reaches the route, which answers `bad_points` with the reason; beyond that, 413.
  const points = express.raw({ type: () => true, limit: 2 * ctx.settings.psi.pointsPerRequest * POINT_BYTES });
  const sendPoints = (res: express.Response, bytes: Buffer) => res.type(POINTS_TYPE).send(bytes);

  r.post('/psi/sessions', allow('bank'), async (req, res) => {
    const body = assertValid(validatePsiOpen, jsonBody(req), 'PSI session request');
    res.status(201).json(await ctx.psi.open(principalOf(res), body));
  });
  r.get('/psi/sessions/:id', allow('bank'), async (req, res) => {
    res.json(await ctx.psi.view(String(req.params.id), principalOf(res)));
  });
  r.delete('/psi/sessions/:id', allow('bank'), async (req, res) => {
    await ctx.psi.close(String(req.params.id), principalOf(res));
    res.status(204).end();
  });
  r.post('/psi/sessions/:id/points/:chunk', allow('bank'), points, async (req, res) => {
    sendPoints(res, await ctx.psi.blindBankChunk(String(req.params.id), principalOf(res), chunkOf(req), req.body));
  });
  r.get('/psi/sessions/:id/platform/:chunk', allow('bank'), async (req, res) => {
    sendPoints(res, await ctx.psi.platformChunk(String(req.params.id), principalOf(res), chunkOf(req)));
  });
  r.post('/psi/sessions/:id/platform/:chunk', allow('bank'), points, async (req, res) => {
    await ctx.psi.returnPlatformChunk(String(req.params.id), principalOf(res), chunkOf(req), req.body);
    res.status(204).end();
  });
  r.post('/psi/sessions/:id/finish', allow('bank'), async (req, res) => {
    res.json(await ctx.psi.finish(String(req.params.id), principalOf(res)));
  });
  return r;
}
