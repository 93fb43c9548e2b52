/** Bearer-token authentication and role checks for every route but health and the API description. */
import { Request, RequestHandler, Response } from 'express';
import { JointlabError } from '../../lab/errors';
import { Role } from '../../lab/spec/policy';
import type { Principal } from '../../lab/api/principals';
import { PrincipalCache } from '../auth/principal-cache';
import { hashToken, principalByTokenHash } from '../auth/principals';
import { Db } from '../store/db';

export function authenticate(db: Db, cache = new PrincipalCache()): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new JointlabError('unauthenticated', 'send an API token as "Authorization: Bearer <token>"', 'auth');
    const hash = hashToken(match[1]);
    let principal = cache.get(hash);
    if (!principal) {
      principal = await principalByTokenHash(db, hash);
      if (!principal) throw new JointlabError('unauthenticated', 'the API token is not valid', 'auth');
      cache.set(hash, principal);
    }
    res.locals.principal = principal;
    next();
  };
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

export function allow(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    if (!roles.includes(principalOf(res).role)) throw new JointlabError('forbidden_role', `this route is for ${roles.join(' or ')} principals`, 'forbidden');
    next();
  };
}

/** JSON routes refuse other content types with 415 rather than guessing. */
export function jsonBody(req: Request): unknown {
  if (req.body === undefined && (req.get('content-length') ?? '0') === '0' && !req.get('transfer-encoding')) return {};
  if (!req.is('application/json')) throw new JointlabError('wrong_content_type', 'send the body as application/json', 'media');
  return req.body;
}

export function csvBody(req: Request): Buffer {
  if (!req.is('text/csv')) throw new JointlabError('wrong_content_type', 'send the table as text/csv', 'media');
  return req.body as Buffer;
}
