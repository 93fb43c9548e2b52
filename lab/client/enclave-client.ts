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
    let response: { ok: boolean; status: number; bytes: Buffer };
    try {
      if (options.csvFile !== undefined) {
        headers['content-type'] = 'text/csv';
        response = await sendFile(target, method, headers, options.csvFile);
      } else {
        const answer = await fetchOnce(target, { method, headers, body });
        response = { ok: answer.ok, status: answer.status, bytes: Buffer.from(await answer.arrayBuffer()) };
      }
    } catch {
      throw new JointlabError('enclave_unreachable', `cannot reach the enclave at ${this.url} (is \`jointlab enclave start\` running? set --url or JOINTLAB_URL)`, 'server');
    }
    const bytes = response.bytes;
    if (traffic) {
      traffic.up += options.csvFile !== undefined ? statSync(options.csvFile).size : body === undefined ? 0 : Buffer.byteLength(body);
      traffic.down += bytes.length;
    }
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

  async request<T>(method: string, path: string, options: RequestOptions = {}, traffic?: Traffic): Promise<T> {
    const bytes = await this.send(method, path, options, traffic);
    return (bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined) as T;
  }
}

/** Socket errors that mean the connection was closed under the request, before any answer came. */
const CLOSED_UNDER_US = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/**
 * One fetch, sent again once if a kept-alive connection turns out to be closed. A bank's client
 * encrypts or decrypts for seconds between requests, blocking its event loop past the moment it
 * would have dropped the idle socket; the server has closed it meanwhile and never read the request,
 * so sending it again on a fresh connection is safe.
 */
async function fetchOnce(target: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(target, init);
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    if (!code || !CLOSED_UNDER_US.has(code)) throw e;
    return fetch(target, init);
  }
}

/**
 * A file streamed from disk as the body, over node:http rather than fetch: an import of millions of
 * rows answers only once every row is stored, minutes after the last byte, past the 300 seconds
 * fetch waits for an answer. The answer is taken even when the enclave refused before reading the
 * whole file.
 */
function sendFile(target: URL, method: string, headers: Record<string, string>, file: string): Promise<{ ok: boolean; status: number; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const size = statSync(file).size;
    const request = (target.protocol === 'https:' ? https : http).request(target, { method, headers: { ...headers, 'content-length': String(size) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ ok: res.statusCode! >= 200 && res.statusCode! < 300, status: res.statusCode!, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    request.on('error', reject);
    const source = createReadStream(file, { highWaterMark: 1 << 20 });
    source.on('error', (e) => request.destroy(e));
    source.pipe(request);
  });
}
