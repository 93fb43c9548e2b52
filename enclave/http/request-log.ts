/** The enclave's one log line per request: method, path (ids and names only), status and time, never a body or a query value. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Call before any router rewrites req.url: the path is taken now, the line written when the answer is sent. */
export function logRequest(log: (line: string) => void, req: IncomingMessage, res: ServerResponse, started: number): void {
  const path = (req.url ?? '').split('?')[0];
  res.on('finish', () => log(`${req.method} ${path} ${res.statusCode} ${Date.now() - started}ms`));
}
