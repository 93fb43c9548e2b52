/** Runs the built CLI as a child process, the way a user does. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
export const SHARED_DATASETS = resolve(REPO_ROOT, '..', 'shared', 'datasets');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `timeout` (ms) kills a CLI that hangs, so a hang fails the test instead of stalling the suite. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: options.timeout,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking the event loop: for a CLI that talks to an enclave running in this process. */
export function runCliAsync(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

export function tempDir(prefix = 'jointlab-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts `jointlab enclave start` as a child process on a free port and resolves once it prints its address. */
export function startEnclaveProcess(db: string): Promise<{ child: import('node:child_process').ChildProcess; url: string; exited: Promise<number | null> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(process.execPath, [CLI, 'enclave', 'start', '--port', '0', '--db', db, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], exited });
    });
    child.on('exit', (code) => reject(new Error(`enclave exited with ${code}: ${err}`)));
  });
}

/** Runs the CLI and closes its stdout after the first line, as `jointlab ... | head -1` does. */
export function runCliFirstLine(args: string[]): Promise<CliRun> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    const newline = stdout.indexOf('\n');
    if (newline >= 0) {
      stdout = stdout.slice(0, newline + 1);
      child.stdout.destroy();
    }
  });
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}
