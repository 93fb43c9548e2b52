/** Health, who am I, and principals (admins add them over HTTP as well as on the enclave's own disk). */
import { Router } from 'express';
import { assertValid } from '../../../lab/spec/problems';
import { validators } from '../../../lab/spec/requests';
import { addPrincipal } from '../../auth/principals';
import { allow, jsonBody, principalOf } from '../auth';
import { EnclaveContext } from '../context';
import type { IssuedPrincipal } from '../../../lab/api/principals';

export function metaRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.get('/whoami', (_req, res) => {
    res.json(principalOf(res));
  });
  r.post('/principals', allow('admin'), async (req, res) => {
    const body = assertValid(validators.principal, jsonBody(req), 'principal');
    const created = await addPrincipal(ctx.db, body, principalOf(res).id);
    res.status(201).json({ ...created.principal, token: created.token } satisfies IssuedPrincipal);
  });
  return r;
}
