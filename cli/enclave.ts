/** `jointlab enclave start`: serve the enclave API over one SQLite file until SIGTERM or SIGINT. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Command, Option } from 'commander';
import { DEFAULT_SETTINGS, EnclaveSettings, startEnclave } from '../enclave/service';
import { curveBackend } from '../lab/psi/x25519';
import { JointlabError } from '../lab/errors';
import { integer, nonNegativeInteger, positiveInteger } from './options';
import { assertDbPath, dbOpenError } from './db-file';
import { assertProvinceCode } from '../lab/network/province';
import { assertNetworkStandard } from '../lab/network/standard';
import type { NetworkSettings } from '../enclave/service';

interface StartFlags {
  port: number;
  host: string;
  db: string;
  config?: string;
  k: number;
  minTrainingRows: number;
  importMaxRows: number;
  quiet?: boolean;
  province?: string;
  standard?: string;
  psiPrepareAhead: number;
  requirePsi?: boolean;
  platformEngine?: 'auto' | 'sqlite' | 'duckdb';
}

type FileSettings = Partial<{ port: number; host: string; db: string; importMaxRows: number; importMaxBytes: number } & EnclaveSettings>;

/** A listen error said in words; EADDRINUSE and friends are about the machine, not about jointlab. */
function listenError(host: string, port: number, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return new JointlabError('port_in_use', `port ${port} on ${host} is already in use (stop what holds it, or pick another with --port; 0 picks a free one)`, 'server');
  if (code === 'EACCES') return new JointlabError('port_not_allowed', `port ${port} on ${host} needs privileges this user lacks (pick one above 1023 with --port)`, 'server');
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new JointlabError('bad_host', `--host ${host}: not an address of this machine`, 'usage');
  return error;
}

/**
 * Tries the address before the database is opened, so that a busy port leaves no new database file
 * behind. The enclave's own listen can still lose a race to another process; that error is mapped too.
 */
async function assertCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e) => reject(listenError(host, port, e)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new JointlabError('bad_config', `${path}: cannot read it as JSON`, 'usage');
  }
}

function readConfig(path: string): FileSettings {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
    return parsed as FileSettings;
  } catch {
    throw new JointlabError('bad_config', `${path}: cannot read it as a JSON object`, 'usage');
  }
}

/** --province and --standard: the enclave as a member of the national network. */
function networkSettings(flags: StartFlags): NetworkSettings | undefined {
  if (flags.standard && !flags.province) throw new JointlabError('usage', '--standard needs --province', 'usage');
  if (!flags.province) return undefined;
  const province = assertProvinceCode(flags.province, '--province');
  return { province, ...(flags.standard ? { standard: assertNetworkStandard(readJson(flags.standard)) } : {}) };
}

export function register(program: Command): void {
  const enclave = program.command('enclave').description('run the enclave service that holds platform data');
  enclave
    .command('start')
    .description('serve the enclave API (settings: flags, then JOINTLAB_* variables, then --config FILE, then defaults)')
    .addOption(new Option('--port <n>', 'TCP port (0 picks a free one)').argParser(integer).env('JOINTLAB_PORT').default(8080))
    .addOption(new Option('--host <address>', 'address to listen on').env('JOINTLAB_HOST').default('127.0.0.1'))
    .addOption(new Option('--db <file>', 'SQLite database file (created and migrated on start)').env('JOINTLAB_DB').default('jointlab.db'))
    .addOption(new Option('--k <n>', 'default minimum rows behind a released figure').argParser(positiveInteger).env('JOINTLAB_K').default(DEFAULT_SETTINGS.defaultK))
    .addOption(new Option('--min-training-rows <n>', 'fewest training rows whose model may be released').argParser(positiveInteger).default(DEFAULT_SETTINGS.minTrainingRows))
    .addOption(new Option('--import-max-rows <n>', 'most rows in one dataset import (imports are streamed; memory does not grow with the file)').argParser(positiveInteger).env('JOINTLAB_IMPORT_MAX_ROWS').default(DEFAULT_SETTINGS.import.maxRows))
    .addOption(new Option('--platform-engine <engine>', "engine that reads the platform's columns for jobs: auto (DuckDB when @duckdb/node-api loads), sqlite or duckdb (JOINTLAB_PLATFORM_ENGINE)").choices(['auto', 'sqlite', 'duckdb']))
    .option('--require-psi', 'take bank uploads only aligned by private set intersection (refuses --no-psi uploads: 403 psi_required)')
    .option('--config <file>', 'JSON file with port, host, db, defaultK, minTrainingRows, importMaxRows, importMaxBytes, csvLimit, jsonLimit, requirePsi, psi, warmWorker (default true), warmSeal (default true), platformEngine')
    .option('--quiet', 'do not log requests')
    .addOption(new Option('--province <code>', 'network member: two-digit province code (GB/T 2260) of this provincial platform').env('JOINTLAB_PROVINCE'))
    .option('--standard <file>', 'network member: the network standard (JSON) every dataset import must follow; needs --province')
    .addOption(
      new Option('--psi-prepare-ahead <n>', "blind each dataset's ids ahead of its next PSI session, for datasets up to n enterprises (0: only when a session asks)")
        .argParser(nonNegativeInteger)
        .default(DEFAULT_SETTINGS.psi.prepareAheadIds),
    )
    .action(async (flags: StartFlags, command: Command) => {
      const file = flags.config ? readConfig(flags.config) : {};
      // A value from the config file wins only over a built-in default.
      const pick = <T>(key: keyof StartFlags, fromFile: T | undefined, value: T): T => (command.getOptionValueSource(key) === 'default' && fromFile !== undefined ? fromFile : value);
      const log = flags.quiet ? () => undefined : (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const db = pick('db', file.db, flags.db);
      const port = pick('port', file.port, flags.port);
      const host = pick('host', file.host, flags.host);
      const network = networkSettings(flags);
      assertDbPath(db, 'create');
      await assertCanListen(host, port);
      const running = await startEnclave({
        db,
        port,
        host,
        settings: {
          defaultK: pick('k', file.defaultK, flags.k),
          minTrainingRows: pick('minTrainingRows', file.minTrainingRows, flags.minTrainingRows),
          import: { maxRows: pick('importMaxRows', file.importMaxRows, flags.importMaxRows), maxBytes: file.importMaxBytes ?? DEFAULT_SETTINGS.import.maxBytes },
          ...(file.csvLimit ? { csvLimit: file.csvLimit } : {}),
          ...(file.jsonLimit ? { jsonLimit: file.jsonLimit } : {}),
          requirePsi: flags.requirePsi === true || file.requirePsi === true,
          ...(network ? { network } : {}),
          psi: { ...DEFAULT_SETTINGS.psi, ...file.psi, prepareAheadIds: pick('psiPrepareAhead', file.psi?.prepareAheadIds, flags.psiPrepareAhead) },
          // A long-running service: each training job finds its worker started and its fitting code compiled.
          warmWorker: file.warmWorker ?? true,
          // And each HE session finds the SEAL workers started, their contexts built.
          warmSeal: file.warmSeal ?? true,
          // Unset, JOINTLAB_PLATFORM_ENGINE or auto decides (enclave/columnar/engine.ts).
          ...((flags.platformEngine ?? file.platformEngine) ? { platformEngine: flags.platformEngine ?? file.platformEngine } : {}),
        },
        log,
      }).catch((e: unknown) => {
        throw listenError(host, port, dbOpenError(db, e));
      });
      // The first line on stdout is the address, so scripts (and tests) can start on port 0 and read it.
      process.stdout.write(`jointlab enclave listening on ${running.url}\n`);
      // The second: where people go (the console needs a token, pasted into its sign-in form).
      process.stdout.write(`steward and bank console: ${running.url}/console/\n`);
      log(`PSI: X25519 through ${curveBackend}${curveBackend === 'node:crypto' ? ' (install the optional sodium-native package for about 1.4x the pace)' : ''}`);
      const shutdown = (signal: string): void => {
        log(`${signal}: shutting down`);
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
}
