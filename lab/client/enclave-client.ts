/** The bank's and steward's HTTP client for the enclave: JSON and CSV in, problem+json turned back into JointlabErrors. */
import { ErrorCategory, JointlabError, Problem, ProblemsError } from '../errors';
import { FRAME_TYPE } from '../he/frames';
import { POINTS_TYPE } from '../psi/points';
import { createReadStream, statSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';

const CATEGORY_OF: Record<number, ErrorCategory> = {
  400: 'usage',
  401: 'auth',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'media',
  422: 'validation',
  429: 'rate',
};

export interface RequestOptions {
  json?: unknown;
  csv?: Buffer | string;
  /** A CSV file streamed from disk as it is sent (dataset imports of millions of rows), never read whole. */
  csvFile?: string;
  /** A binary HE envelope (lab/he/frames.ts). */
  frames?: Buffer;
  /** Packed PSI points (lab/psi/points.ts). */
  points?: Buffer;
  query?: Record<string, string | number | undefined>;
}

/** Bytes of a request body and its answer, for the HE protocols' traffic figures. */
export interface Traffic {
  up: number;
  down: number;
}

export class EnclaveClient {
  constructor(
    readonly url: string,
    readonly token?: string,
  ) {}

  /** Sends a request and returns the raw answer; a non-2xx answer becomes a JointlabError (or ProblemsError). */
  async send(method: string, path: string, options: RequestOptions = {}, traffic?: Traffic): Promise<Buffer> {
    const { target, headers, body } = this.prepare(path, options);
    let response: RawAnswer;
    try {
      if (options.csvFile !== undefined) {
        headers['content-type'] = 'text/csv';
        response = await sendFile(target, method, headers, options.csvFile);
      } else {
        response = await sendOnce(target, method, headers, body);
      }
    } catch {
      throw this.unreachable();
    }
    if (traffic) traffic.up += options.csvFile !== undefined ? statSync(options.csvFile).size : body === undefined ? 0 : Buffer.byteLength(body);
    return this.answerOf(response, traffic);
  }

  /**
   * Sends a request whose answer is read later: `written` resolves once the body is in the socket, so
   * the caller may then block its thread (SEAL key generation) while the enclave works on it; the
   * answer waits in the socket meanwhile.
   */
  sendEarly(method: string, path: string, options: RequestOptions = {}, traffic?: Traffic): { written: Promise<void>; answer: Promise<Buffer> } {
    const { target, headers, body } = this.prepare(path, options);
    let written!: () => void;
    const sent = new Promise<void>((resolve) => (written = resolve));
    const raw = sendOnce(target, method, headers, body, written);
    // An unreachable enclave fails the answer; `written` must not wait for it.
    const answer = raw.then(
      (r) => {
        if (traffic) traffic.up += body === undefined ? 0 : Buffer.byteLength(body);
        return this.answerOf(r, traffic);
      },
      () => {
        throw this.unreachable();
      },
    );
    answer.catch(() => written());
    return { written: sent, answer };
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}, traffic?: Traffic): Promise<T> {
    const bytes = await this.send(method, path, options, traffic);
    return (bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined) as T;
  }

  private prepare(path: string, options: RequestOptions): { target: URL; headers: Record<string, string>; body: string | Buffer | undefined } {
    const target = new URL(path, this.url.endsWith('/') ? this.url : `${this.url}/`);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== '') target.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.csv !== undefined) {
      headers['content-type'] = 'text/csv';
      body = options.csv;
    } else if (options.frames !== undefined) {
      headers['content-type'] = FRAME_TYPE;
      body = options.frames;
    } else if (options.points !== undefined) {
      headers['content-type'] = POINTS_TYPE;
      body = options.points;
    }
    return { target, headers, body };
  }

  private unreachable(): JointlabError {
    return new JointlabError('enclave_unreachable', `cannot reach the enclave at ${this.url} (is \`jointlab enclave start\` running? set --url or JOINTLAB_URL)`, 'server');
  }

  /** The answer's bytes, or its problem+json as a JointlabError (ProblemsError with its problems). */
  private answerOf(response: RawAnswer, traffic?: Traffic): Buffer {
    const bytes = response.bytes;
    if (traffic) traffic.down += bytes.length;
    if (response.ok) return bytes;
    let problem: { code?: string; detail?: string; problems?: Problem[] } = {};
    try {
      problem = JSON.parse(bytes.toString('utf8'));
    } catch {
      // Not problem+json (a proxy in between, say): the status alone has to do.
    }
    const category = CATEGORY_OF[response.status] ?? (response.status >= 500 ? 'server' : 'usage');
    const code = problem.code ?? `http_${response.status}`;
    const detail = problem.detail ?? `the enclave answered ${response.status}`;
    if (problem.problems?.length) {
      throw new ProblemsError(code, `${detail}:\n${problem.problems.map((p) => `  ${p.pointer}: ${p.message}`).join('\n')}`, problem.problems, category);
    }
    throw new JointlabError(code, detail, category);
  }
}

interface RawAnswer {
  ok: boolean;
  status: number;
  bytes: Buffer;
}

/** Reads a node:http answer whole. */
function collect(res: http.IncomingMessage, resolve: (a: RawAnswer) => void, reject: (e: Error) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => resolve({ ok: res.statusCode! >= 200 && res.statusCode! < 300, status: res.statusCode!, bytes: Buffer.concat(chunks) }));
  res.on('error', reject);
}

/** Socket errors that mean the connection was closed under the request, before any answer came. */
const CLOSED_UNDER_US = new Set(['ECONNRESET', 'EPIPE']);

/** How long a request may wait for its answer with nothing on the socket (fetch's 300 s, which this client used before). */
const IDLE_MS = 300_000;

/**
 * One request over node:http (a 9 MB HE envelope reached a local express server in 6 to 40 ms, where fetch took
 * 46 to 200 ms in a fresh process), sent again once if a kept-alive connection turns out to be closed.
 * A bank's client encrypts or decrypts for seconds between requests, blocking its event loop past the
 * moment it would have dropped the idle socket; the server has closed it meanwhile and never read the
 * request, so sending it again on a fresh connection is safe.
 */
async function sendOnce(target: URL, method: string, headers: Record<string, string>, body: string | Buffer | undefined, written?: () => void): Promise<RawAnswer> {
  try {
    return await httpRequest(target, method, headers, body, written);
  } catch (e) {
    const { code, reused } = e as { code?: string; reused?: boolean };
    if (!reused || !code || !CLOSED_UNDER_US.has(code)) throw e;
    return httpRequest(target, method, headers, body, written);
  }
}

function httpRequest(target: URL, method: string, headers: Record<string, string>, body: string | Buffer | undefined, written?: () => void): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? 0 : Buffer.byteLength(body);
    const request = (target.protocol === 'https:' ? https : http).request(target, { method, headers: { ...headers, 'content-length': String(length) } }, (res) => collect(res, resolve, reject));
    request.setTimeout(IDLE_MS, () => request.destroy(new Error('no answer')));
    request.on('error', (e) => reject(Object.assign(e, { reused: request.reusedSocket })));
    if (written) request.on('finish', written);
    request.end(body);
  });
}

/**
 * A file streamed from disk as the body, over node:http rather than fetch: an import of millions of
 * rows answers only once every row is stored, minutes after the last byte, past the 300 seconds
 * fetch waits for an answer. The answer is taken even when the enclave refused before reading the
 * whole file.
 */
function sendFile(target: URL, method: string, headers: Record<string, string>, file: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const size = statSync(file).size;
    const request = (target.protocol === 'https:' ? https : http).request(target, { method, headers: { ...headers, 'content-length': String(size) } }, (res) => collect(res, resolve, reject));
    request.on('error', reject);
    const source = createReadStream(file, { highWaterMark: 1 << 20 });
    source.on('error', (e) => request.destroy(e));
    source.pipe(request);
  });
}
