/**
 * Sends fuzz requests to an enclave on loopback, judges each answer (no 5xx; every error an RFC 9457
 * problem with a code) and tallies the run. Bounded in count and in time.
 */
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { FuzzRequest, FuzzTarget, fuzzRequests } from './fuzz-requests';

export interface FuzzAnswer {
  /** An HTTP status, or 0 when the connection closed (or timed out) without one. */
  status: number;
  contentType: string;
  body: Buffer;
}

export interface FuzzFailure {
  index: number;
  route: string;
  request: string;
  problem: string;
}

export interface FuzzTally {
  seed: number;
  /** Requests generated; `sent` counts each copy of a burst. */
  generated: number;
  sent: number;
  seconds: number;
  byClass: Record<string, number>;
  byCode: Record<string, number>;
  byRoute: Record<string, number>;
  /** Seconds spent waiting for answers, by route: where the run's time goes. */
  secondsByRoute: Record<string, number>;
  fiveXx: number;
  /** Requests carrying SEAL-valid headers over damaged ciphertext contents, and how many of those got a 5xx. */
  sealContents: { sent: number; fiveXx: number };
  failures: FuzzFailure[];
}

const ANSWER_TIMEOUT_MS = 30_000;

function viaHttp(url: URL, req: FuzzRequest, agent: Agent, retried = false): Promise<FuzzAnswer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body && !headers['transfer-encoding']) headers['content-length'] = String(req.body.length);
    let settled = false;
    const done = (a: FuzzAnswer) => {
      if (!settled) resolve(a);
      settled = true;
    };
    const out = request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent, timeout: ANSWER_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', () => done({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
    });
    out.on('timeout', () => out.destroy());
    out.on('error', (err: Error & { code?: string }) => {
      // A kept-alive connection the server closed as it was reused: Node's documented race, sent again once.
      if (!settled && !retried && out.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        settled = true;
        resolve(viaHttp(url, req, agent, true));
        return;
      }
      // A server may answer and close before it has read a large body; the answer, if any, counts.
      setTimeout(() => done({ status: 0, contentType: '', body: Buffer.alloc(0) }), 50);
    });
    out.end(req.body);
  });
}

/** The bytes of a request that node:http would refuse to write. */
function rawBytes(req: FuzzRequest, host: string): Buffer {
  const body = req.body ?? Buffer.alloc(0);
  const lines = [`${req.method} ${req.path} HTTP/1.1`, `host: ${host}`, 'connection: close'];
  for (const [k, v] of Object.entries(req.headers)) lines.push(`${k}: ${v}`);
  switch (req.raw) {
    case 'short-length':
      lines.push(`content-length: ${Math.max(0, body.length - 3)}`);
      break;
    case 'long-length':
      lines.push(`content-length: ${body.length + 1000}`);
      break;
    case 'bad-chunked':
      return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n`), body, Buffer.from('\r\n0\r\n')]);
    case 'raw-path':
      lines[0] = `${req.method} ${req.path.replace('/v1/', '/v1/企业 ../\t')} HTTP/1.1`;
      lines.push(`content-length: ${body.length}`);
      break;
    default: {
      // Header framing the parser must refuse, one kind per request, picked by its index.
      const broken = [
        ['a header without a colon', `content-length: ${body.length}`],
        [`x-bad: a\u0001b`, `content-length: ${body.length}`],
        [`content-length: ${body.length}`, `content-length: ${body.length + 1}`],
        [`content-length: ${body.length}x`],
        [`content-length: ${body.length}`, 'transfer-encoding: chunked'],
        ['transfer-encoding: gzip, chunked'],
        [` folded: continuation`, `content-length: ${body.length}`],
      ];
      lines.push(...broken[req.index % broken.length]);
    }
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body]);
}

/** Writes the bytes and reads whatever comes back until the server closes (every raw request asks it to). */
function viaSocket(url: URL, req: FuzzRequest): Promise<FuzzAnswer> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const finish = () => {
      socket.destroy();
      let text = Buffer.concat(chunks);
      // Interim answers (100 Continue) come before the real one.
      while (/^HTTP\/1\.[01] 1\d\d /.test(text.toString('latin1', 0, 13)) && text.includes('\r\n\r\n')) text = text.subarray(text.indexOf('\r\n\r\n') + 4);
      const split = text.indexOf('\r\n\r\n');
      const head = (split < 0 ? text : text.subarray(0, split)).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /\r\ncontent-type:\s*([^\r\n]*)/i.exec(head)?.[1] ?? '';
      // Only the first answer's body; a chunked body is left as it is (only its problem code is read).
      resolve({ status, contentType, body: split < 0 ? Buffer.alloc(0) : text.subarray(split + 4) });
    };
    socket.setTimeout(ANSWER_TIMEOUT_MS, finish);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', finish);
    socket.on('error', () => undefined);
    // Half-closing makes Node drop answers still being written (a file being streamed); only the
    // body that never ends needs it, to end the wait.
    socket.on('connect', () => (req.raw === 'long-length' ? socket.end(rawBytes(req, url.host)) : socket.write(rawBytes(req, url.host))));
  });
}

/** Sends one request (raw ones over a socket) and waits for its answer. */
export function sendFuzzRequest(url: URL, req: FuzzRequest, agent?: Agent): Promise<FuzzAnswer> {
  return req.raw ? viaSocket(url, req) : viaHttp(url, req, agent ?? new Agent());
}

export const describeRequest = (req: FuzzRequest): string =>
  `#${req.index} ${req.method} ${req.path.length > 160 ? `${req.path.slice(0, 160)}...` : req.path} [${req.mutations.join(', ')}] body ${req.body?.length ?? 0} B`;

/** What is wrong with an answer, or undefined if it is acceptable. */
export function judge(req: FuzzRequest, a: FuzzAnswer): string | undefined {
  if (a.status === 0) {
    // A body longer than its content-length promises never ends, so no answer can come.
    return req.raw === 'long-length' ? undefined : 'no answer: the connection closed';
  }
  if (a.status >= 500) return `HTTP ${a.status} ${a.body.toString('utf8').slice(0, 200)}`;
  if (a.status < 400 || req.method === 'HEAD') return undefined;
  if (!/^application\/problem\+json/.test(a.contentType)) return `HTTP ${a.status} as ${a.contentType || 'no content type'}, not application/problem+json`;
  let problem: { code?: unknown; status?: unknown };
  try {
    problem = JSON.parse(/^[0-9a-f]+\r\n/i.test(a.body.toString('latin1', 0, 10)) ? a.body.toString('utf8').replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '') : a.body.toString('utf8'));
  } catch {
    return `HTTP ${a.status}: the problem body is not JSON`;
  }
  if (typeof problem.code !== 'string' || !problem.code) return `HTTP ${a.status}: the problem has no code`;
  if (problem.status !== a.status) return `HTTP ${a.status}: the problem says status ${String(problem.status)}`;
  return undefined;
}

export const codeOf = (a: FuzzAnswer): string | undefined => {
  if (a.status < 400) return undefined;
  return /"code":"([a-z_]+)"/.exec(a.body.toString('utf8', 0, 400))?.[1];
};

export interface FuzzRunOptions {
  url: string;
  target: FuzzTarget;
  seed: number;
  count: number;
  /** The run stops early when this many seconds have passed. */
  maxSeconds: number;
  concurrency?: number;
  sealContents?: boolean;
  /** Called with each request whose answer failed, as it happens. */
  onFailure?: (f: FuzzFailure) => void;
  /** Called with every answer. */
  onAnswer?: (req: FuzzRequest, answer: FuzzAnswer) => void;
  /** Called every 1,000 requests. */
  onProgress?: (sent: number) => void;
}

export async function runFuzz(options: FuzzRunOptions): Promise<FuzzTally> {
  const url = new URL(options.url);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '::1') throw new Error('the fuzzer only talks to an enclave on loopback');
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 4 });
  const tally: FuzzTally = { seed: options.seed, generated: 0, sent: 0, seconds: 0, byClass: {}, byCode: {}, byRoute: {}, secondsByRoute: {}, fiveXx: 0, sealContents: { sent: 0, fiveXx: 0 }, failures: [] };
  const requests = fuzzRequests(options.seed, options.count, options.target, { sealContents: options.sealContents });
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const record = (req: FuzzRequest, answer: FuzzAnswer): void => {
    tally.sent++;
    options.onAnswer?.(req, answer);
    if (tally.sent % 1000 === 0) options.onProgress?.(tally.sent);
    const cls = answer.status ? `${Math.floor(answer.status / 100)}xx` : 'closed';
    tally.byClass[cls] = (tally.byClass[cls] ?? 0) + 1;
    tally.byRoute[req.route] = (tally.byRoute[req.route] ?? 0) + 1;
    const code = codeOf(answer);
    if (code) tally.byCode[code] = (tally.byCode[code] ?? 0) + 1;
    if (answer.status >= 500) tally.fiveXx++;
    if (req.sealContents) {
      tally.sealContents.sent++;
      if (answer.status >= 500) tally.sealContents.fiveXx++;
    }
    const problem = judge(req, answer);
    if (problem) {
      const failure = { index: req.index, route: req.route, request: describeRequest(req), problem };
      tally.failures.push(failure);
      options.onFailure?.(failure);
    }
  };
  const worker = async () => {
    for (;;) {
      if (elapsed() > options.maxSeconds) return;
      const next = requests.next();
      if (next.done) return;
      const req = next.value;
      tally.generated++;
      const sentAt = process.hrtime.bigint();
      const answers = await Promise.all(Array.from({ length: req.burst ?? 1 }, () => sendFuzzRequest(url, req, agent)));
      tally.secondsByRoute[req.route] = (tally.secondsByRoute[req.route] ?? 0) + Number(process.hrtime.bigint() - sentAt) / 1e9;
      for (const answer of answers) record(req, answer);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  } finally {
    agent.destroy();
  }
  tally.seconds = elapsed();
  return tally;
}
