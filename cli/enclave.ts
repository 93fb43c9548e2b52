/** `jointlab enclave start`: serve the enclave API over one SQLite file until SIGTERM or SIGINT. */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { startEnclave } from '../enclave/service';
import { DEFAULT_SETTINGS, EnclaveSettings } from '../enclave/http/context';
import { JointlabError } from '../lab/errors';
import { integer, positiveInteger } from './options';

interface StartFlags {
  port: number;
  host: string;
  db: string;
  config?: string;
  k: number;
  minTrainingRows: number;
  quiet?: boolean;
}

type FileSettings = Partial<{ port: number; host: string; db: string } & EnclaveSettings>;

function readConfig(path: string): FileSettings {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
    return parsed as FileSettings;
  } catch {
    throw new JointlabError('bad_config', `${path}: cannot read it as a JSON object`, 'usage');
  }
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
    .option('--config <file>', 'JSON file with port, host, db, defaultK, minTrainingRows, csvLimit, jsonLimit')
    .option('--quiet', 'do not log requests')
    .action(async (flags: StartFlags, command: Command) => {
      const file = flags.config ? readConfig(flags.config) : {};
      // A value from the config file wins only over a built-in default.
      const pick = <T>(key: keyof StartFlags, fromFile: T | undefined, value: T): T => (command.getOptionValueSource(key) === 'default' && fromFile !== undefined ? fromFile : value);
      const log = flags.quiet ? () => undefined : (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const running = await startEnclave({
        db: pick('db', file.db, flags.db),
        port: pick('port', file.port, flags.port),
        host: pick('host', file.host, flags.host),
        settings: {
          defaultK: pick('k', file.defaultK, flags.k),
          minTrainingRows: pick('minTrainingRows', file.minTrainingRows, flags.minTrainingRows),
          ...(file.csvLimit ? { csvLimit: file.csvLimit } : {}),
          ...(file.jsonLimit ? { jsonLimit: file.jsonLimit } : {}),
        },
        log,
      });
      // The first line on stdout is the address, so scripts (and tests) can start on port 0 and read it.
      process.stdout.write(`jointlab enclave listening on ${running.url}\n`);
      const shutdown = (signal: string): void => {
        log(`${signal}: shutting down`);
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
}
