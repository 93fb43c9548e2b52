/** The enclave's express application: parsers with limits, authentication, the routes, one error handler. */
import express, { Express } from 'express';
import type { RequestListener } from 'node:http';
import { SCHEMA_VERSION } from '../store/schema';
import { PrincipalCache } from '../auth/principal-cache';
import { jobViewFastPath } from './job-view-fast';
import { logRequest } from './request-log';
import { authenticate } from './auth';
import { consoleRoutes } from './console';
import { EnclaveContext } from './context';
import { jsonParser } from './json-parser';
import { openApiDocument } from './openapi';
import { notFound, problemHandler } from './problem';
import { auditRoutes } from './routes/audit';
import { datasetRoutes } from './routes/datasets';
import { jobRoutes } from './routes/jobs';
import { metaRoutes } from './routes/meta';
import { uploadRoutes } from './routes/uploads';
import { heRoutes } from './routes/he';
import { consentRoutes } from './routes/consents';
import { scoringRoutes } from './routes/scoring';
import { reportRoutes } from './routes/reports';
import { psiRoutes } from './routes/psi';
import { networkRoutes } from '../network/routes';
import { networkPeerRoutes } from './routes/network-peers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../../package.json') as { version: string };

/**
 * The enclave's request handler: the job view's fast path (job-view-fast.ts), which answers a polled
 * job's view when every check passes, then the express application for everything else.
 */
export function createHandler(ctx: EnclaveContext): RequestListener {
  const principals = new PrincipalCache();
  const app = createApp(ctx, principals);
  const jobView = jobViewFastPath(ctx, principals);
  return (req, res) => {
    jobView(req, res).then(
      (served) => {
        if (!served) app(req, res);
      },
      () => app(req, res),
    );
  };
}

export function createApp(ctx: EnclaveContext, principals = new PrincipalCache()): Express {
  const app = express();
  app.disable('x-powered-by');
  // Every answer is private to its caller (no shared cache may keep one) and a polled job view changes
  // as the job runs: an ETag would hash each body for a 304 that no client of this API asks for.
  app.disable('etag');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    logRequest(ctx.log, req, res, Date.now());
    next();
  });
  app.use(jsonParser(ctx.settings.jsonLimit));

  const openapi = openApiDocument(version);
  app.get('/v1/health', (_req, res) => {
    res.json({ status: 'ok', version, schemaVersion: SCHEMA_VERSION });
  });
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  // The network hub's routes carry the hub's token, not a principal's: mounted before principal authentication.
  app.use('/v1/network', networkRoutes(ctx));
  const v1 = express.Router();
  // Every check added to this router must be added to the job view's fast path too (job-view-fast.ts).
  v1.use(authenticate(ctx.db, principals));
  for (const routes of [metaRoutes, datasetRoutes, uploadRoutes, psiRoutes, consentRoutes, scoringRoutes, jobRoutes, reportRoutes, heRoutes, auditRoutes, networkPeerRoutes]) v1.use(routes(ctx));
  app.use('/v1', v1);
  app.use('/console', consoleRoutes());
  app.use(notFound);
  app.use(problemHandler(ctx.log));
  return app;
}
