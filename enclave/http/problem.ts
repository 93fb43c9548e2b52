/**
 * The enclave's single error handler: known errors become RFC 9457 problem+json with a stable code;
 * anything else is a bare 500 that says nothing about internals or data. Requests that Node's HTTP
 * parser refuses before express sees them are answered as problems here too.
 */
import { ErrorRequestHandler, RequestHandler } from 'express';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { JointlabError, ProblemsError } from '../../lab/errors';

export const PROBLEM_TYPE = 'application/problem+json';

/** Errors thrown by express's body parsers carry a `type`; these are the ones a client can cause. */
const PARSER_ERRORS: Record<string, [number, string, string]> = {
  'entity.too.large': [413, 'body_too_large', 'the request body is larger than this route accepts'],
  'entity.parse.failed': [400, 'malformed_json', 'the request body is not valid JSON'],
  'entity.verify.failed': [400, 'malformed_body', 'the request body could not be read'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'the request body uses an unsupported content encoding'],
  'charset.unsupported': [415, 'unsupported_charset', 'the request body uses an unsupported character set'],
  'request.aborted': [400, 'request_aborted', 'the request was aborted'],
  'request.size.invalid': [400, 'bad_length', 'the request body length does not match its header'],
};

/** zlib and brotli name their failures with these codes when a body is not what its content-encoding says. */
const isDecompressionError = (code: unknown): boolean => typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR') || code.startsWith('ERR_BROTLI') || code.startsWith('ERR_ZSTD'));

/**
 * Errors that express and its parsers raise for a client's mistake without a `type`: bad
 * percent-encoding in a path (the router's URIError), a body that does not decompress, and any
 * other error they mark as a 4xx. Their messages may quote the request, so none is passed on.
 */
function clientError(err: unknown): [number, string, string] | undefined {
  if (err instanceof URIError) return [400, 'bad_path', 'the request path has malformed percent-encoding'];
  const e = err as { status?: unknown; statusCode?: unknown; code?: unknown } | null;
  const status = Number(e?.status ?? e?.statusCode);
  if (!Number.isInteger(status) || status < 400 || status > 499) return undefined;
  if (isDecompressionError(e?.code)) return [400, 'bad_content_encoding', 'the request body does not decode as its content-encoding says'];
  return [status, 'bad_request', 'the request could not be read'];
}

function problemJson(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: `urn:jointlab:problem:${code}`, title: code.replace(/_/g, ' '), status, code, detail, ...extra });
}

function send(res: Parameters<ErrorRequestHandler>[2], status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void {
  res.status(status).type(PROBLEM_TYPE).send(problemJson(status, code, detail, extra));
}

export const notFound: RequestHandler = (_req, res) => send(res, 404, 'no_route', 'there is no such route');

export function problemHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof ProblemsError) return send(res, err.status, err.code, err.message, { problems: err.problems });
    if (err instanceof JointlabError) {
      if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      return send(res, err.status, err.code, err.message);
    }
    const parser = typeof err?.type === 'string' ? PARSER_ERRORS[err.type] : undefined;
    if (parser) return send(res, ...parser);
    const client = clientError(err);
    if (client) return send(res, ...client);
    // Only the error's class reaches the log: messages of unknown errors may quote data.
    log(`internal error: ${err?.constructor?.name ?? typeof err}`);
    // The full stack only for an operator who asked for it on a test machine.
    if (process.env.JOINTLAB_DEBUG) process.stderr.write(`${err?.stack ?? String(err)}\n`);
    send(res, 500, 'internal_error', 'the enclave could not complete the request');
  };
}

/** Node's HTTP parser codes that have their own status; every other parse failure is a 400. */
const PARSER_STATUS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'the request line or headers are larger than the enclave accepts'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'body_too_large', 'the chunk extensions are larger than the enclave accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'the request did not arrive in time'],
};

/**
 * Requests Node's HTTP parser refuses before express sees them (a broken request line, header or
 * chunked encoding, a body shorter than its content-length) get a problem like every other error,
 * instead of Node's bare `400 Bad Request`. For the server's `clientError` event.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // Nothing can be said on a reset or half-written connection.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, detail] = PARSER_STATUS[err.code ?? ''] ?? [400, 'malformed_request', 'the request is not valid HTTP'];
  const body = problemJson(status, code, detail);
  socket.end(`HTTP/1.1 ${status} ${code.replace(/_/g, ' ')}\r\ncontent-type: ${PROBLEM_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** An `Expect` header other than 100-continue: Node answers 417 itself unless told how. For the server's `checkExpectation` event. */
export function answerExpectation(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(417, { 'content-type': PROBLEM_TYPE, connection: 'close' }).end(problemJson(417, 'unsupported_expectation', 'the enclave meets no expectation but 100-continue'));
}
