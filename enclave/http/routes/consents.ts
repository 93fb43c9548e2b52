/** Consent records: a steward imports them from the platform's authorization system. */
import express, { Router } from 'express';
import { consentCounts, importConsents } from '../../data/consents';
import { allow, csvBody, principalOf } from '../auth';
import { EnclaveContext } from '../context';
import type { ConsentCounts } from '../../../lab/api/consents';

export function consentRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.post('/consents', allow('steward'), express.raw({ type: 'text/csv', limit: ctx.settings.csvLimit }), async (req, res) => {
    res.status(201).json(await importConsents(ctx.db, csvBody(req), principalOf(res)));
  });
  r.get('/consents/counts', allow('steward'), async (_req, res) => {
    res.json({ k: ctx.settings.defaultK, counts: await consentCounts(ctx.db, ctx.settings.defaultK) } satisfies ConsentCounts);
  });
  return r;
}
