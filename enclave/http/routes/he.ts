/** HE sessions over HTTP: binary envelopes in and out, JSON for the rest. */
import express, { Request, Router } from 'express';
import { JointlabError } from '../../../lab/errors';
import { FRAME_TYPE, encodeFrames } from '../../../lab/he/frames';
import { HeSessions } from '../../he/sessions';
import { allow, jsonBody, principalOf } from '../auth';
import { EnclaveContext } from '../context';
import type { RoundHeader, ScoresHeader } from '../../../lab/api/he-sessions';
import { assertValid } from '../../../lab/spec/problems';
import { validators } from '../../../lab/spec/requests';

function frameBody(req: Request): Buffer {
  if (!req.is(FRAME_TYPE)) throw new JointlabError('wrong_content_type', `send the body as ${FRAME_TYPE}`, 'media');
  return req.body as Buffer;
}

export function heRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  const sessions = new HeSessions(ctx.db, { ...ctx.settings.he, minTrainingRows: ctx.settings.minTrainingRows }, ctx.limiter);
  const frames = (limit: string) => express.raw({ type: FRAME_TYPE, limit });
  const id = (req: Request) => String(req.params.id);

  r.post('/he/sessions', allow('bank'), frames(ctx.settings.heKeyLimit), async (req, res) => {
    res.status(201).json(await sessions.create(frameBody(req), principalOf(res)));
  });
  r.get('/he/sessions/:id', allow('bank'), async (req, res) => {
    res.json(await sessions.info(id(req), principalOf(res)));
  });
  r.post('/he/sessions/:id/labels', allow('bank'), frames(ctx.settings.heCipherLimit), async (req, res) => {
    res.json(await sessions.labels(id(req), frameBody(req), principalOf(res)));
  });
  r.post('/he/sessions/:id/rounds', allow('bank'), async (req, res) => {
    const body = assertValid(validators.heRound, jsonBody(req), 'round request');
    const round = await sessions.round(id(req), body.weights, principalOf(res), body.average);
    res.type(FRAME_TYPE).send(encodeFrames({ round: round.round, flood: round.flood } satisfies RoundHeader, [round.cipher]));
  });
  r.post('/he/sessions/:id/model', allow('bank'), frames(ctx.settings.heCipherLimit), async (req, res) => {
    res.json(await sessions.model(id(req), frameBody(req), principalOf(res)));
  });
  r.post('/he/sessions/:id/score', allow('bank'), async (req, res) => {
    const body = assertValid(validators.heScore, jsonBody(req), 'score request');
    const scored = await sessions.score(id(req), body.ids, principalOf(res));
    res.type(FRAME_TYPE).send(encodeFrames({ ids: scored.ids, refused: scored.refused, flood: scored.flood ?? null } satisfies ScoresHeader, scored.ciphers));
  });
  r.delete('/he/sessions/:id', allow('bank'), async (req, res) => {
    const failed = req.query.failed;
    if (failed !== undefined && typeof failed !== 'string') throw new JointlabError('schema_violation', '"failed" must be one error code', 'usage');
    await sessions.close(id(req), principalOf(res), failed);
    res.status(204).end();
  });
  return r;
}
