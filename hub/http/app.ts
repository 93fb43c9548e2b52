/** The hub's express application, built from the enclave's parts: JSON parser with limits, bearer tokens, problem+json errors. */
import express, { Express } from 'express';
import { authenticate } from '../../enclave/http/auth';
import { jsonParser } from '../../enclave/http/json-parser';
import { notFound, problemHandler } from '../../enclave/http/problem';
import { Db } from '../../enclave/store/db';
import { hubRoutes } from './routes';

export interface HubContext {
  db: Db;
  log: (line: string) => void;
}

export function createHubApp(ctx: HubContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const started = Date.now();
    // Method, path and status only: the hub's log never carries a body, least of all a statistic.
    res.on('finish', () => ctx.log(`${req.method} ${req.originalUrl.split('?')[0]} ${res.statusCode} ${Date.now() - started}ms`));
    next();
  });
  app.use(jsonParser('1mb'));
  app.get('/v1/health', (_req, res) => {
    res.json({ status: 'ok', service: 'jointlab-hub' });
  });
  const v1 = express.Router();
  v1.use(authenticate(ctx.db));
  v1.use(hubRoutes(ctx));
  app.use('/v1', v1);
  app.use(notFound);
  app.use(problemHandler(ctx.log));
  return app;
}
