/**
 * Serves the steward console: a static page and its compiled scripts, from this installation only
 * (the machines have no internet, so nothing comes from a CDN). The page holds no data; everything
 * it shows comes from the /v1 API with the signed-in token, the same routes the CLI calls.
 */
import express, { Router } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
export const CONSOLE_STATIC = join(ROOT, 'console', 'static');
// The console compiles from the repository root (it imports the API's types from lab/api, type-only),
// so its scripts keep their source layout under dist/console; only console/src is served.
export const CONSOLE_SCRIPTS = join(ROOT, 'dist', 'console', 'console', 'src');

/**
 * Scripts and styles from the enclave alone; reports open in a sandboxed frame from the page's own
 * text (their inline styles need 'unsafe-inline' for style-src); no other site may frame the console.
 */
const POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export function consoleRoutes(): Router {
  const r = Router();
  r.use((_req, res, next) => {
    res.set({ 'content-security-policy': POLICY, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    next();
  });
  r.get('/', (req, res, next) => {
    // Relative links need the trailing slash; express gives "/" for both "/console" and "/console/".
    if (!req.originalUrl.split('?')[0].endsWith('/')) return res.redirect(301, '/console/');
    if (!existsSync(CONSOLE_SCRIPTS)) return next(new Error('the console scripts are not built (run npm run build)'));
    res.sendFile(join(CONSOLE_STATIC, 'index.html'));
  });
  r.use('/js', express.static(CONSOLE_SCRIPTS, { index: false, fallthrough: true }));
  r.use(express.static(CONSOLE_STATIC, { index: false }));
  return r;
}
