/** The JSON body parser every route shares: a size limit, UTF-8 only, and a nesting-depth limit checked before any handler sees the body. */
import express, { RequestHandler } from 'express';
import { JointlabError } from '../../lab/errors';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from '../../lab/json-depth';

export const JSON_TYPES = ['application/json', 'application/*+json'];

export function jsonParser(limit: string): RequestHandler[] {
  const parse = express.json({
    limit,
    type: JSON_TYPES,
    // RFC 8259 asks for UTF-8 between systems; other charsets are refused rather than transcoded.
    verify: (_req, _res, _buf, encoding) => {
      if (encoding && encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8') {
        throw Object.assign(new Error('unsupported charset'), { status: 415, type: 'charset.unsupported' });
      }
    },
  });
  // Validators and structuredClone recurse: a body nested thousands deep would overflow the stack in them.
  const depth: RequestHandler = (req, _res, next) => {
    if (req.body !== null && typeof req.body === 'object' && !Buffer.isBuffer(req.body) && exceedsJsonDepth(req.body)) {
      throw new JointlabError('too_deep', `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, 'usage');
    }
    next();
  };
  return [parse, depth];
}
