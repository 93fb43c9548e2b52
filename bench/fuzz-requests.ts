/**
 * Hostile requests for the enclave, generated from a seed over every documented route and the
 * console: mutated methods, paths, headers, JSON and CSV bodies and HE envelopes. Shared by the fuzz
 * test (a few thousand requests) and `npm run stress` (tens of thousands); the same seed gives the
 * same requests, so a failure can be replayed.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { DOCUMENTED_ROUTES } from '../enclave/http/openapi';
import { FRAME_TYPE, encodeFrames } from '../lab/he/frames';
import { Random } from '../models/random';

export const FUZZ_ROLES = ['admin', 'steward', 'researcher', 'bankA', 'bankB'] as const;
export type FuzzRole = (typeof FUZZ_ROLES)[number];

/** What the enclave under test holds, so that requests can name real objects as well as made-up ones. */
export interface FuzzTarget {
  tokens: Record<FuzzRole, string>;
  /** Real ids by the kind of object a path names. */
  ids: { job: string[]; upload: string[]; dataset: string[]; session: string[] };
  /** Open HE sessions by protocol, so that most requests reach the protocol's own checks. */
  sessions: { train: string[]; score: string[] };
  /** Ids that deleting, cancelling and rejecting requests never name, so that the run keeps reaching deep code. */
  keep: string[];
  /** Approved HE jobs, by mode, for session-opening envelopes. */
  heJobs: { train: string[]; score: string[] };
  /** A few enterprise ids of the platform table, for scoring bodies. */
  enterpriseIds: string[];
  /** Valid JSON bodies to start mutating from, by the schema name the API description gives them. */
  json: Record<string, unknown>;
  /** Valid CSV bodies by route path. */
  csv: Record<string, string>;
  /** Real keys and a ciphertext under the bank's key, and the model terms a scoring session takes. */
  he: { paramSet: string; publicKey: Uint8Array; galoisKeys: Uint8Array; cipher: Uint8Array; terms: unknown[] };
}

/**
 * Raw requests are written to a socket byte by byte: a content-length that lies, a broken chunked
 * encoding, a path or header that is not valid HTTP. Everything else goes through node:http.
 */
export type RawKind = 'short-length' | 'long-length' | 'bad-chunked' | 'raw-path' | 'bad-header';

export interface FuzzRequest {
  index: number;
  /** The route template hit, e.g. `POST /v1/jobs/{id}/approve`, or `console`, `unknown`. */
  route: string;
  /** What was done to the request, for the failure message. */
  mutations: string[];
  method: string;
  /** Path and query as sent, possibly with malformed percent-encoding. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  raw?: RawKind;
  /**
   * Ciphertext blobs whose SEAL header is whole but whose contents are damaged. That is the SEAL
   * isolation work of issue 11 item 2, so the generator makes them only when asked.
   */
  sealContents?: boolean;
  /** Sent this many times at once: races between requests that change the same object. */
  burst?: number;
}

export interface FuzzOptions {
  /** Include well-formed envelopes with SEAL-valid headers and damaged ciphertext contents. */
  sealContents?: boolean;
}

type Operation = { method: string; path: string; body?: 'json' | 'csv' | 'frames' | 'points'; schema?: string; query?: [string, boolean, string][]; roles: string[] };

/** Every operation of the API description, plus the console's pages. */
export const FUZZ_OPERATIONS: Operation[] = [
  ...Object.entries(DOCUMENTED_ROUTES).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, body: op.body, schema: op.schema, query: op.query, roles: op.roles })),
  ),
  { method: 'GET', path: '/console', roles: [] },
  { method: 'GET', path: '/console/', roles: [] },
  { method: 'GET', path: '/console/js/main.js', roles: [] },
  { method: 'GET', path: '/console/style.css', roles: [] },
];

const routeName = (op: Operation): string => `${op.method} ${op.path}`;

/** HE routes are drawn twice as often: their envelopes and protocol states have the most to get wrong. */
const WEIGHTS = FUZZ_OPERATIONS.map((op) => (op.path.startsWith('/v1/he/') ? 2 : 1));

/** Path segments that break decoders, routers and file lookups. */
const HOSTILE_SEGMENTS = [
  '%ED%A0%80', // a lone UTF-16 surrogate in UTF-8
  '%',
  '%%',
  '%zz',
  '%E0%A4%A',
  '%C0%AE%C0%AE', // overlong "."
  '%FF%FE',
  '%00',
  'a%00b',
  '%2e%2e',
  '..',
  '.',
  '%2F..%2F..%2Fetc%2Fpasswd',
  '..%2f..%2f',
  '%252F',
  '%F0%9F%98%80',
  encodeURIComponent('企业-é∑😀'),
  encodeURIComponent('\u202e\u0301\ufeff'),
  encodeURIComponent("x'; DROP TABLE jobs; --"),
  encodeURIComponent('<script>alert(1)</script>'),
  '%u0041',
  '+',
  '~',
  '__proto__',
  'constructor',
  'job_' + '9'.repeat(40),
];

const QUERY_VALUES = ['', '%', '%ED%A0%80', '%zz', '1e9', '1e400', '-1', '0', 'NaN', 'Infinity', '0x10', '1.5', '2', '10', 'none', 'json', 'pmml', 'released', '__proto__', 'toString', encodeURIComponent('é😀'), '%00'];
const QUERY_KEYS = ['__proto__', 'constructor', 'constructor%5Bprototype%5D', 'a%5Bb%5D', '%', 'hasOwnProperty', 'x'];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16le',
  'application/json; charset=latin1',
  'application/json; charset=nope',
  'application/problem+json',
  'text/csv',
  'text/csv; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  FRAME_TYPE,
  'application/octet-stream',
  '*/*',
  'application/',
  ';;;',
];

const ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'zstd', 'compress', 'gzip, gzip', 'GZIP', 'x-gzip', 'unknown'];

/** Values that break parsers, number handling and type checks when put where a field was. */
function hostileValue(r: Random): unknown {
  switch (r.int(0, 15)) {
    case 0:
      return null;
    case 1:
      return r.pick([0, -0, -1, 1.5, 1e308, -1e308, 5e-324, 9007199254740993, 2 ** 31, -(2 ** 53)]);
    case 2:
      return r.pick([true, false]);
    case 3:
      return 'x'.repeat(r.pick([0, 1, 65, 129, 501, 10_000, 70_000]));
    case 4:
      return r.pick(['企业', '😀'.repeat(100), '\u0000', '\ud800', 'a\u202eb', '=HYPERLINK("x")', "'; DROP TABLE jobs; --", '../../etc/passwd', '%ED%A0%80']);
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return Array.from({ length: r.pick([1, 100, 20_000]) }, (_, i) => `id${i}`);
    case 8:
      return Array.from({ length: r.int(1, 50) }, () => r.pick([1, 'a', null, {}, [], 1e308]));
    case 9:
      return { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } };
    case 10:
      return JSON.parse('{"__proto__": {"polluted": true}, "toString": 1, "hasOwnProperty": "x"}');
    case 11:
      return nest(r.pick([10, 31, 33, 100, 1000]));
    case 12:
      return 'platform';
    case 13:
      return r.pick(['lr', 'scorecard', 'mlp', 'he-train', 'he-score', 'plaintext', 'bank', 'steward', 'admin', 'training', 'scoring']);
    case 14:
      return Array.from({ length: 600 }, (_, i) => `c${i}`);
    default:
      return r.uniform() * 10 - 5;
  }
}

const nest = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

/** Every path to an object or array member inside `value`, as lists of keys. */
function slots(value: unknown): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    for (const [k, child] of Object.entries(v)) {
      const key = Array.isArray(v) ? Number(k) : k;
      out.push([...at, key]);
      stack.push([child, [...at, key]]);
    }
  }
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown, remove = false): void {
  let v = root as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) v = v[k] as Record<string | number, unknown>;
  const last = at[at.length - 1];
  if (remove) {
    if (Array.isArray(v)) v.splice(last as number, 1);
    else delete v[last];
  } else {
    Object.defineProperty(v, last, { value, enumerable: true, writable: true, configurable: true });
  }
}

/** A JSON body: the template, or the template changed at a random place, or text no parser should accept. */
function jsonBody(r: Random, template: unknown, m: string[]): Buffer {
  const value = structuredClone(template ?? {});
  const pick = r.int(0, 19);
  if (pick < 3) {
    m.push('json:valid');
    return Buffer.from(JSON.stringify(value));
  }
  if (pick < 12) {
    const places = slots(value);
    const edits = r.int(1, 3);
    for (let e = 0; e < edits; e++) {
      const at = places.length && r.bernoulli(0.8) ? r.pick(places) : [r.pick(['__proto__', 'constructor', 'extra', 'prototype', 'toString'])];
      if (r.bernoulli(0.2) && at.length) {
        m.push(`json:drop ${at.join('.')}`);
        try {
          setAt(value, at, undefined, true);
        } catch {
          /* a parent already replaced by a scalar */
        }
      } else {
        const v = hostileValue(r);
        m.push(`json:set ${at.join('.')}`);
        try {
          if (at.length === 1 && !places.length && (value === null || typeof value !== 'object')) continue;
          setAt(value, at, v);
        } catch {
          /* as above */
        }
      }
    }
    return Buffer.from(JSON.stringify(value) ?? 'null');
  }
  const text = JSON.stringify(value);
  switch (pick) {
    case 12:
      // Written as text: JSON.stringify itself recurses.
      m.push('json:deep');
      const depth = r.pick([33, 200, 5000, 60_000]);
      const deep = r.bernoulli(0.5) ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      return Buffer.from(r.bernoulli(0.5) ? deep : `{"deep":${deep},${text.slice(1)}`);
    case 13:
      m.push('json:truncated');
      return Buffer.from(text.slice(0, r.int(0, Math.max(0, text.length - 1))));
    case 14:
      m.push('json:top-level');
      return Buffer.from(r.pick(['null', '1', '"s"', '[]', 'true', '[1,2,3]', '{}', '', ' ']));
    case 15:
      m.push('json:proto-text');
      return Buffer.from(`{"__proto__":{"isAdmin":true,"role":"admin"},"constructor":{"prototype":{"polluted":1}},${text.slice(1)}`);
    case 16:
      m.push('json:huge-numbers');
      return Buffer.from(text.replace(/\d+(\.\d+)?/g, () => r.pick(['1e400', '-1e400', '1' + '0'.repeat(400), '0.' + '0'.repeat(400) + '1', '123456789012345678901234567890'])));
    case 17:
      m.push('json:bytes');
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.slice(0, -1)), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from('}')]);
    case 18:
      m.push('json:duplicate-keys');
      return Buffer.from(`${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"name":1,"name":"x","model":null}`);
    default:
      m.push('json:oversized');
      return Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(1_100_000, 'p'), Buffer.from(`",${text.slice(1)}`)]);
  }
}

/** Hostile CSVs: broken structure, hostile cells and encodings, odd sizes. */
function csvBody(r: Random, template: string, m: string[]): Buffer {
  const lines = template.trimEnd().split('\n');
  const header = lines[0];
  const width = header.split(',').length;
  const row = (cells: string[]) => cells.join(',');
  const pick = r.int(0, 21);
  m.push(`csv:${pick}`);
  switch (pick) {
    case 0:
    case 1:
      return Buffer.from(template);
    case 2:
      return Buffer.from(`${lines.slice(0, 3).join('\n')}\n1,2\n`); // ragged
    case 3:
      return Buffer.from(`${lines.slice(0, 2).join('\n')}\n"unterminated,${'x'.repeat(100)}\n`);
    case 4:
      return Buffer.from(`${header}\n${row(Array.from({ length: width }, () => 'A'.repeat(r.pick([4097, 70_000]))))}\n`);
    case 5:
      return Buffer.from(`${Array.from({ length: 5000 }, (_, i) => `c${i}`).join(',')}\n${'1,'.repeat(4999)}1\n`);
    case 6:
      return Buffer.from(`${header},${header.split(',')[1]}\n${lines.slice(1).map((l) => `${l},1`).join('\n')}\n`); // duplicate column
    case 7:
      return Buffer.from(`,${header}\n${lines.slice(1).map((l) => `,${l}`).join('\n')}\n`); // empty header cell
    case 8:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(template.replace(/\n/g, '\r\n'))]);
    case 9:
      return Buffer.from(template.replace(/\n/g, '\r'));
    case 10:
      return Buffer.from(template.replace(/,/g, (c) => (r.bernoulli(0.05) ? '\u0000' : c)));
    case 11:
      return Buffer.concat([Buffer.from(lines.slice(0, 4).join('\n')), Buffer.from([0x0a, 0xff, 0xfe, 0xc3, 0x28, 0x0a])]);
    case 12:
      return Buffer.from(`${header}\n${lines.slice(1).map((l) => l.replace(/,[^,]*/, ',"=cmd|\' /C calc\'!A0"')).join('\n')}\n`);
    case 13:
      return Buffer.from(`${header}\n`);
    case 14:
      return Buffer.from(r.pick(['', '\n', '\n\n\n', ',', '"', '""\n""']));
    case 15:
      return Buffer.from(`${header}\n${lines.slice(1).map((l) => l.replace(/\d+(\.\d+)?/g, () => r.pick(['1e309', '-1e309', 'NaN', 'Infinity', '-0', '0x1F', '1' + '0'.repeat(400)]))).join('\n')}\n`);
    case 16:
      return Buffer.from(`${header}\n${lines.slice(1).map((l) => l.replace(/^[^,]*/, () => r.pick(['x'.repeat(1000), '企业😀', '', ' ', '"a,b"', '\u202e', '../x']))).join('\n')}\n`);
    case 17:
      return Buffer.from(`${header.split(',').slice(1).join(',')}\n${lines.slice(1).map((l) => l.split(',').slice(1).join(',')).join('\n')}\n`); // no id column
    case 18:
      return Buffer.from(`${header}\n${lines.slice(1).map((l) => l.replace(/,/g, '","').replace(/^/, '"').replace(/$/, '"""')).join('\n')}\n`);
    case 19:
      return Buffer.from(`${lines.join('\n')}\n`, 'utf16le');
    case 20: {
      const tail = ',1'.repeat(width - 1);
      const many = Array.from({ length: r.pick([2000, 12_000]) }, (_, i) => `E${i}${tail}`).join('\n');
      return Buffer.from(`${header}\n${many}\n`);
    }
    default:
      return Buffer.from(Array.from({ length: r.int(1, 2000) }, () => r.int(0, 255)));
  }
}

/** A SEAL-looking blob: the 16-byte header SEAL checks (magic, header size, compression, total size) over arbitrary bytes. */
function sealShaped(r: Random, length: number, claimed = length): Uint8Array {
  const b = new Uint8Array(Math.max(16, length));
  for (let i = 16; i < b.length; i++) b[i] = r.int(0, 255);
  const view = new DataView(b.buffer);
  view.setUint16(0, 0xa15e, true);
  view.setUint8(2, 16);
  view.setUint8(3, 4);
  view.setUint8(4, 0);
  view.setUint8(5, r.int(0, 3));
  view.setBigUint64(8, BigInt(claimed), true);
  return b;
}

/** Blobs that are not what SEAL expects: empty, random, SEAL-looking with lies in the header. */
function garbageBlob(r: Random, real: Uint8Array, m: string[], sealContents: boolean): Uint8Array {
  const pick = r.int(0, sealContents ? 7 : 4);
  m.push(`blob:${pick}`);
  switch (pick) {
    case 0:
      return new Uint8Array(0);
    case 1:
      return Uint8Array.from({ length: r.int(1, 4096) }, () => r.int(0, 255));
    case 2:
      return sealShaped(r, r.int(16, 2048), r.int(0, 1 << 30)); // header claims another size
    case 3:
      return real.subarray(0, r.int(0, real.length - 1)); // truncated, header unchanged
    case 4:
      return Buffer.concat([real, Buffer.from([0, 1, 2])]); // padded
    // Below: headers SEAL accepts over contents it must judge itself (issue 11 item 2).
    case 5:
      return sealShaped(r, r.int(16, 4096));
    case 6: {
      const copy = real.slice();
      for (let i = 0; i < 8; i++) copy[r.int(16, copy.length - 1)] ^= r.int(1, 255);
      return copy;
    }
    default: {
      const copy = real.slice();
      copy.fill(0, Math.floor(copy.length * 0.9)); // the compressed payload's tail zeroed
      return copy;
    }
  }
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** An HE envelope: the route's valid one, or one broken at the envelope level, or a well-formed one around bad blobs or a bad header. */
function framesBody(r: Random, op: Operation, t: FuzzTarget, m: string[], sealContents: boolean): { body: Buffer; sealContents: boolean } {
  const sessionOpen = op.path === '/v1/he/sessions';
  const header: Record<string, unknown> = sessionOpen
    ? { job: r.bernoulli(0.8) ? r.pick([...t.heJobs.train, ...t.heJobs.score]) : r.pick(t.ids.job), paramSet: t.he.paramSet }
    : op.path.endsWith('/model')
      ? { terms: structuredClone(t.he.terms) }
      : // Labels: past the envelope's own check, so that the keys and ciphertexts meet the byte checks.
        { relinKeys: true };
  let blobs: Uint8Array[] = sessionOpen ? [t.he.publicKey, t.he.galoisKeys] : op.path.endsWith('/model') ? Array.from({ length: t.he.terms.length + 1 }, () => t.he.cipher) : [t.he.cipher];
  const pick = r.int(0, 11);
  if (pick === 0) {
    m.push('frames:valid');
    return { body: encodeFrames(header, blobs), sealContents: false };
  }
  if (pick <= 3) {
    // Well-formed envelope, digests recomputed, around bad blobs.
    let damaged = false;
    const bad = r.int(0, blobs.length - 1);
    blobs = blobs.map((b, k) => {
      if (k !== bad && !r.bernoulli(0.3)) return b;
      const before = m.length;
      const g = garbageBlob(r, b, m, sealContents);
      damaged ||= /blob:[567]/.test(m.slice(before).join());
      return g;
    });
    if (r.bernoulli(0.2)) blobs = r.bernoulli(0.5) ? blobs.slice(0, -1) : [...blobs, t.he.cipher];
    return { body: encodeFrames(header, blobs), sealContents: damaged };
  }
  if (pick <= 5) {
    // Well-formed envelope, hostile header fields.
    const places = slots(header);
    const at = places.length && r.bernoulli(0.7) ? r.pick(places) : [r.pick(['job', 'paramSet', 'terms', '__proto__', 'sha256'])];
    m.push(`frames:header ${at.join('.')}`);
    try {
      setAt(header, at, hostileValue(r));
    } catch {
      /* a parent replaced by a scalar */
    }
    return { body: encodeFrames(header, blobs), sealContents: false };
  }
  const good = encodeFrames(header, blobs.map((b) => b.subarray(0, Math.min(b.length, 64))));
  const headLength = good.readUInt32BE(4);
  m.push(`frames:envelope ${pick}`);
  switch (pick) {
    case 6:
      return { body: good.subarray(0, r.int(0, good.length - 1)), sealContents: false };
    case 7: {
      const copy = Buffer.from(good);
      copy.writeUInt32BE(r.pick([0xffffffff, 0x7fffffff, headLength + 1, 1 << 20, (1 << 20) + 1]), r.bernoulli(0.5) ? 4 : 8 + headLength);
      return { body: copy, sealContents: false };
    }
    case 8: {
      const head = r.pick(['{', 'null', '[]', '"x"', `{"sha256":${'['.repeat(5000)}${']'.repeat(5000)}}`, '{"sha256":[1,2]}', '\uffff', '{"sha256":"abc"}']);
      return { body: Buffer.concat([Buffer.from('JLHE'), u32(Buffer.byteLength(head)), Buffer.from(head), u32(0)]), sealContents: false };
    }
    case 9: {
      const copy = Buffer.from(good);
      copy[r.int(0, copy.length - 1)] ^= r.int(1, 255);
      return { body: copy, sealContents: false };
    }
    case 10:
      return { body: Buffer.concat([good, Buffer.from(Array.from({ length: r.int(1, 64) }, () => r.int(0, 255)))]), sealContents: false };
    default:
      return { body: Buffer.concat([good.subarray(0, 8 + headLength), u32(r.pick([4096, 4097, 0xffffffff, 3]))]), sealContents: false };
  }
}

/** Fills a route template's `{id}`/`{name}` with a real id, another bank's, or a hostile segment. */
function fillPath(r: Random, op: Operation, t: FuzzTarget, m: string[]): string {
  if (op.path.startsWith('/console') && r.bernoulli(0.4)) {
    // Static files: names that climb out, are too long, or hold bytes no file name has.
    const segment = r.pick(HOSTILE_SEGMENTS);
    m.push(`console:${segment.slice(0, 24)}`);
    return `${r.pick(['/console/', '/console/js/'])}${r.bernoulli(0.1) ? segment.repeat(r.int(50, 500)) : segment}`;
  }
  return op.path.replace(/\{(\w+)\}/g, () => {
    const kind = op.path.startsWith('/v1/jobs') ? 'job' : op.path.startsWith('/v1/uploads') ? 'upload' : op.path.startsWith('/v1/he') ? 'session' : 'dataset';
    const destructive = op.method === 'DELETE' || /\/(cancel|reject)$/.test(op.path);
    const ofMode = /\/(labels|rounds)$/.test(op.path) ? t.sessions.train : /\/(model|score)$/.test(op.path) ? t.sessions.score : [];
    const real = (ofMode.length && r.bernoulli(0.85) ? ofMode : t.ids[kind]).filter((id) => !destructive || !t.keep.includes(id));
    if (r.bernoulli(0.6) && real.length) return encodeURIComponent(r.pick(real));
    const segment = r.pick(HOSTILE_SEGMENTS);
    m.push(`path:${segment.slice(0, 24)}`);
    return r.bernoulli(0.1) ? segment.repeat(r.int(50, 2000)) : segment;
  });
}

function queryOf(r: Random, op: Operation, m: string[]): string {
  const parts: string[] = [];
  for (const [name, required] of op.query ?? []) {
    if (required || r.bernoulli(0.5)) parts.push(`${name}=${r.bernoulli(0.5) ? `fz${r.int(0, 1e6)}` : r.pick(QUERY_VALUES)}`);
    if (name === 'idColumn' && r.bernoulli(0.5)) parts[parts.length - 1] = `${name}=id`;
    if (r.bernoulli(0.1)) parts.push(`${name}=${r.pick(QUERY_VALUES)}`); // repeated: an array to a naive reader
  }
  if (r.bernoulli(0.15)) {
    parts.push(`${r.pick(QUERY_KEYS)}=${r.pick(QUERY_VALUES)}`);
    m.push('query:hostile-key');
  }
  if (r.bernoulli(0.03)) {
    parts.push(`q=${'x'.repeat(r.pick([5000, 60_000]))}`);
    m.push('query:long');
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function authorization(r: Random, op: Operation, t: FuzzTarget, m: string[]): string | undefined {
  const pick = r.int(0, 19);
  if (pick < 15) {
    const allowed = FUZZ_ROLES.filter((w) => op.roles.includes('any') || op.roles.includes(w.startsWith('bank') ? 'bank' : w));
    const who = allowed.length && r.bernoulli(0.7) ? r.pick(allowed) : r.pick(FUZZ_ROLES);
    return `Bearer ${t.tokens[who]}`;
  }
  m.push(`auth:${pick}`);
  switch (pick) {
    case 15:
      return undefined;
    case 16:
      return `Bearer ${'x'.repeat(r.pick([1, 43, 10_000]))}`;
    case 17:
      return r.pick(['Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'bearer  a b', `Bearer ${t.tokens.admin} extra`, 'Token x']);
    case 18:
      return `Bearer ${t.tokens.bankA}\u0000`.replace('\u0000', '%00');
    default:
      return `BEARER ${t.tokens[r.pick(FUZZ_ROLES)]}`;
  }
}

/** Compresses, or claims to have compressed, the body. */
function encode(r: Random, body: Buffer, headers: Record<string, string>, m: string[]): Buffer {
  const encoding = r.pick(ENCODINGS);
  headers['content-encoding'] = encoding;
  const honest = r.bernoulli(0.4);
  m.push(`encoding:${encoding}${honest ? '' : ' (lie)'}`);
  if (!honest) return r.bernoulli(0.5) ? body : gzipSync(body).subarray(0, r.int(0, 20));
  switch (encoding) {
    case 'gzip':
    case 'GZIP':
    case 'x-gzip':
      return gzipSync(body);
    case 'deflate':
      return deflateSync(body);
    case 'br':
      return brotliCompressSync(body);
    default:
      return body;
  }
}

/** The requests of one seed, in order; the i-th request depends only on the seed and i's predecessors. */
export function* fuzzRequests(seed: number, count: number, t: FuzzTarget, options: FuzzOptions = {}): Generator<FuzzRequest> {
  const r = new Random(seed);
  for (let index = 0; index < count; index++) {
    const m: string[] = [];
    const unknown = r.bernoulli(0.02);
    const op = unknown ? { method: r.pick(['GET', 'POST']), path: r.pick(['/', '/v1', '/v2/jobs', '/v1/jobs/x/y/z', '/console/../package.json', '/favicon.ico', '/v1/health/']), roles: ['any'] } : FUZZ_OPERATIONS[r.weighted(WEIGHTS)];
    const headers: Record<string, string> = {};
    let method = op.method;
    if (r.bernoulli(0.06)) {
      method = r.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND']);
      m.push(`method:${method}`);
    }
    let path = fillPath(r, op, t, m) + queryOf(r, op, m);
    if (r.bernoulli(0.05)) {
      const shape = r.int(0, 5);
      path = [`${path}/`, `/${path}`, path.replace('/v1/', '/v1//'), path.replace('/v1/', '/v1/./'), `${path}/..%2F..`, path.toUpperCase()][shape];
      m.push(`path-shape:${shape}`);
    }
    const auth = authorization(r, op, t, m);
    if (auth !== undefined) headers.authorization = auth;
    if (r.bernoulli(0.05)) headers.accept = r.pick(['text/html', 'application/xml', '*/*;q=0', 'garbage']);

    let body: Buffer | undefined;
    let sealContents = false;
    const kind = op.body && r.bernoulli(0.85) ? op.body : r.pick([undefined, undefined, 'json', 'csv', 'frames'] as const);
    if (kind === 'json') {
      body = jsonBody(r, t.json[op.schema ?? ''] ?? {}, m);
      headers['content-type'] = 'application/json';
    } else if (kind === 'csv') {
      body = csvBody(r, t.csv[op.path] ?? t.csv['/v1/uploads'], m);
      headers['content-type'] = 'text/csv';
    } else if (kind === 'frames') {
      const framed = framesBody(r, op.body === 'frames' ? op : { ...op, path: '/v1/he/sessions/{id}/labels' }, t, m, options.sealContents ?? false);
      body = framed.body;
      sealContents = framed.sealContents;
      headers['content-type'] = FRAME_TYPE;
    } else if (kind === 'points') {
      // PSI points: mostly whole 32-byte points, sometimes ragged, empty or small-order (all zero).
      const n = r.pick([0, 1, 2, 64]) * 32 + r.pick([0, 0, 0, 1, 31]);
      body = r.bernoulli(0.2) ? Buffer.alloc(n) : Buffer.from(Array.from({ length: n }, () => r.int(0, 255)));
      m.push(`points:${n}`);
      headers['content-type'] = 'application/octet-stream';
    }
    if (r.bernoulli(0.12)) {
      const type = r.pick(CONTENT_TYPES);
      m.push(`type:${type}`);
      if (r.bernoulli(0.15)) delete headers['content-type'];
      else headers['content-type'] = type;
    }
    if (body && r.bernoulli(0.08)) {
      // Megabytes of keys are not compressed: that would slow the generator, not the enclave.
      if (body.length < 256 * 1024) body = encode(r, body, headers, m);
      else {
        headers['content-encoding'] = 'gzip';
        m.push('encoding:gzip (lie)');
      }
    }
    if (body && r.bernoulli(0.05)) {
      headers['transfer-encoding'] = 'chunked';
      m.push('chunked');
    }
    if (r.bernoulli(0.01)) {
      headers.expect = r.pick(['nothing', '200-ok', '100-continue, x']);
      m.push(`expect:${headers.expect}`);
    }

    let raw: RawKind | undefined;
    if (r.bernoulli(0.03)) {
      raw = r.pick(['short-length', 'long-length', 'bad-chunked', 'raw-path', 'bad-header'] as const);
      m.push(`raw:${raw}`);
      body ??= Buffer.from('{}');
    }
    let burst: number | undefined;
    if (!raw && method !== 'GET' && r.bernoulli(0.04)) {
      burst = r.int(2, 4);
      m.push(`burst:${burst}`);
    }
    yield { index, route: unknown ? 'unknown' : routeName(op), mutations: m, method, path, headers, body, raw, sealContents, burst };
  }
}
