/**
 * A national network on loopback for tests and checks: a hub and provincial enclaves, each a real
 * `jointlab` child process over its own SQLite file, with synthetic data of its province imported by its
 * steward and the bank's whole customer list uploaded (plainly) to every enclave.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, runCli, tempDir } from './cli';
import { writeProvinceSynth } from '../../lab/synth/write';
import { SME_NETWORK_STANDARD } from '../../lab/network/sme-standard';

export interface Service {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** What the process wrote to stderr (its request log). */
  log(): string;
}

export function spawnService(args: string[]): Promise<Service> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], exited, log: () => err });
    });
    child.on('exit', (code) => reject(new Error(`${args.slice(0, 2).join(' ')} exited with ${code}: ${err}`)));
  });
}

function cliJson<T>(args: string[]): T {
  const r = runCli([...args, '--json']);
  if (r.code !== 0) throw new Error(`jointlab ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface Province {
  code: string;
  db: string;
  files: { platform: string; bank: string };
  enclave: Service;
  hubToken: string;
  publicKey: string;
  tokens: { steward: string; bank: string };
}

export interface TestNetwork {
  dir: string;
  hub: Service;
  hubDb: string;
  hubTokens: { admin: string; bank: string };
  provinces: Province[];
  /** The bank's customer list of every province together: what it uploads to each enclave. */
  bankFile: string;
  startEnclave(p: Province): Promise<Service>;
  call(url: string, token: string, method: string, path: string, body?: unknown, type?: string): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

async function call(url: string, token: string, method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
    body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

export async function startTestNetwork(options: { provinces: string[]; enterprises: number; bankCustomers: number; memberUrl?: (p: Province) => string }): Promise<TestNetwork> {
  const dir = tempDir('jointlab-network-');
  const standardFile = join(dir, 'standard.json');
  writeFileSync(standardFile, JSON.stringify(SME_NETWORK_STANDARD, null, 2));
  const startEnclave = (p: Pick<Province, 'code' | 'db'>) => spawnService(['enclave', 'start', '--port', '0', '--db', p.db, '--province', p.code, '--standard', standardFile, '--quiet']);
  const provinces: Province[] = [];
  const synth = writeProvinceSynth(options.provinces, { enterprises: options.enterprises, bankCustomers: options.bankCustomers, seed: 100 }, dir);
  for (const { code, files } of synth.provinces) {
    const db = join(dir, `enclave-${code}.db`);
    const joined = cliJson<{ token: string; publicKey: string }>(['network', 'join', '--db', db]);
    const steward = cliJson<{ token: string }>(['admin', 'add-principal', '--db', db, '--name', 'steward', '--role', 'steward', '--org', `platform-${code}`]);
    const bankPrincipal = cliJson<{ token: string }>(['admin', 'add-principal', '--db', db, '--name', 'alice', '--role', 'bank', '--org', 'bank-a']);
    provinces.push({ code, db, files, enclave: undefined as unknown as Service, hubToken: joined.token, publicKey: joined.publicKey, tokens: { steward: steward.token, bank: bankPrincipal.token } });
  }
  // Each province's steward pins every other member's key (compared out of band): rosters are checked against these pins.
  for (const p of provinces) for (const q of provinces) if (q !== p) cliJson(['network', 'pin', '--db', p.db, '--province', q.code, '--key', q.publicKey]);
  const bankFile = synth.bankFile;
  const hubDb = join(dir, 'hub.db');
  const admin = cliJson<{ token: string }>(['hub', 'add-principal', '--db', hubDb, '--name', 'ops', '--role', 'admin', '--org', 'network']);
  const hubBank = cliJson<{ token: string }>(['hub', 'add-principal', '--db', hubDb, '--name', 'alice', '--role', 'bank', '--org', 'bank-a']);
  const [hub, ...enclaves] = await Promise.all([spawnService(['hub', 'start', '--port', '0', '--db', hubDb]), ...provinces.map((p) => startEnclave(p))]);
  provinces.forEach((p, i) => (p.enclave = enclaves[i]));
  for (const p of provinces) {
    const imported = await call(p.enclave.url, p.tokens.steward, 'POST', '/v1/datasets?name=platform&idColumn=id', readFileSync(p.files.platform), 'text/csv');
    if (imported.status !== 201) throw new Error(`import in ${p.code}: ${JSON.stringify(imported.json)}`);
    const uploaded = await call(p.enclave.url, p.tokens.bank, 'POST', '/v1/uploads?name=customers&network=1', readFileSync(bankFile), 'text/csv');
    if (uploaded.status !== 201) throw new Error(`upload in ${p.code}: ${JSON.stringify(uploaded.json)}`);
  }
  for (const p of provinces) {
    const added = await call(hub.url, admin.token, 'POST', '/v1/members', { province: p.code, url: options.memberUrl?.(p) ?? p.enclave.url, token: p.hubToken, publicKey: p.publicKey });
    if (added.status !== 201) throw new Error(`member ${p.code}: ${JSON.stringify(added.json)}`);
  }
  return {
    dir,
    hub,
    hubDb,
    hubTokens: { admin: admin.token, bank: hubBank.token },
    provinces,
    bankFile,
    startEnclave: (p) => startEnclave(p),
    call,
    async close() {
      for (const s of [hub, ...provinces.map((p) => p.enclave)]) {
        if (s.child.exitCode === null && s.child.signalCode === null) {
          s.child.kill('SIGTERM');
          await s.exited;
        }
      }
    },
  };
}

/** Polls a hub job until it leaves `training` (and `submitted`). */
export async function waitForHubJob(net: TestNetwork, id: string): Promise<any> {
  for (let i = 0; i < 1200; i++) {
    const { json } = await net.call(net.hub.url, net.hubTokens.bank, 'GET', `/v1/jobs/${id}`);
    if (!['training', 'submitted'].includes(json.state)) return json;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('network job did not settle');
}
