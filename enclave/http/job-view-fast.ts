/**
 * GET /v1/jobs/:id answered before express when every check passes: clients poll a job's view, and on
 * this route express's own dispatch cost several times the answer's work.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hashToken } from '../auth/principals';
import { PrincipalCache } from '../auth/principal-cache';
import { jobViewBody } from '../jobs/jobs';
import { EnclaveContext } from './context';
import { logRequest } from './request-log';

/** The route's path exactly as the API writes it (no query, no trailing slash): anything else goes to express. */
const JOB_VIEW = /^\/v1\/jobs\/([A-Za-z0-9_-]{1,128})$/;
const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Serves the request and resolves true, or resolves false having written nothing, and express then
 * answers it as for any other request, with its own checks and error answers. Only the plain success is
 * served here, with the checks the express route makes: a known token (the principal cache only holds
 * tokens express's authentication found in the store), the bank or steward role, and the job visible to
 * the principal (jobViewBody). A request with a body goes to express, whose parser has limits to apply.
 * A check added to the /v1 router (enclave/http/app.ts) must be added here too.
 */
export function jobViewFastPath(ctx: EnclaveContext, principals: PrincipalCache): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if (req.method !== 'GET' || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) return false;
    const path = JOB_VIEW.exec(req.url ?? '');
    const token = BEARER.exec(req.headers.authorization ?? '');
    if (!path || !token) return false;
    const started = Date.now();
    const principal = principals.get(hashToken(token[1]));
    if (!principal || (principal.role !== 'bank' && principal.role !== 'steward')) return false;
    let body: string;
    try {
      body = await jobViewBody(ctx.db, path[1], principal);
    } catch {
      // Not found or not visible: express answers it, with the problem document.
      return false;
    }
    logRequest(ctx.log, req, res, started);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  };
}
