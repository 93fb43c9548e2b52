/** A bank's own tables: upload, list, read metadata, delete. Rows never come back out; the ids come back to the bank that uploaded them. */
import express, { Router } from 'express';
import { JointlabError } from '../../../lab/errors';
import { createUpload, deleteUpload, grantNetworkUse, listUploads, uploadIds, visibleUpload } from '../../data/uploads';
import { allow, csvBody, principalOf } from '../auth';
import { EnclaveContext } from '../context';
import type { UploadIds, UploadList } from '../../../lab/api/uploads';
import { assertUploadAligned } from '../../release/psi-required';

export function uploadRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.post('/uploads', allow('bank'), express.raw({ type: 'text/csv', limit: ctx.settings.csvLimit }), async (req, res) => {
    const name = req.query.name;
    if (typeof name !== 'string' || !name) throw new JointlabError('missing_parameter', 'query parameter "name" is required', 'usage');
    const idColumn = typeof req.query.idColumn === 'string' && req.query.idColumn ? req.query.idColumn : 'id';
    const session = req.query.psiSession;
    const psi = typeof session === 'string' && session ? ctx.psi.uploadGuard(session, principalOf(res)) : undefined;
    assertUploadAligned(ctx.settings.requirePsi, psi !== undefined);
    const created = await createUpload(ctx.db, { name, idColumn, body: csvBody(req) }, principalOf(res), psi);
    res.status(201).json(req.query.network === '1' || req.query.network === 'true' ? await grantNetworkUse(ctx.db, created.id, principalOf(res)) : created);
  });
  r.post('/uploads/:id/network', allow('bank'), async (req, res) => {
    res.json(await grantNetworkUse(ctx.db, String(req.params.id), principalOf(res)));
  });
  r.get('/uploads', allow('bank', 'steward'), async (_req, res) => {
    res.json({ uploads: await listUploads(ctx.db, principalOf(res)) } satisfies UploadList);
  });
  r.get('/uploads/:id', allow('bank', 'steward'), async (req, res) => {
    res.json(await visibleUpload(ctx.db, String(req.params.id), principalOf(res)));
  });
  r.get('/uploads/:id/ids', allow('bank'), async (req, res) => {
    res.json({ ids: await uploadIds(ctx.db, String(req.params.id), principalOf(res)) } satisfies UploadIds);
  });
  r.delete('/uploads/:id', allow('bank'), async (req, res) => {
    await deleteUpload(ctx.db, String(req.params.id), principalOf(res));
    res.status(204).end();
  });
  return r;
}
