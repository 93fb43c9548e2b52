/** Options every verb that talks to a running enclave shares: where it is and which token to send. */
import { Command, Option } from 'commander';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { EnclaveClient } from '../lab/client/enclave-client';
import { JointlabError } from '../lab/errors';
import { parseCsv, readCsvFile } from '../lab/data/csv';
import { didYouMean } from '../lab/text';

export interface RemoteFlags {
  url: string;
  token?: string;
  json?: boolean;
}

export function remote(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'enclave address').env('JOINTLAB_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--token <token>', 'API token (better: the JOINTLAB_TOKEN environment variable, which stays out of shell history)').env('JOINTLAB_TOKEN'))
    .option('--json', 'print one JSON object instead of text');
}

export function clientOf(flags: RemoteFlags): EnclaveClient {
  if (!flags.token) throw new JointlabError('no_token', 'no API token: pass --token or set JOINTLAB_TOKEN', 'auth');
  return new EnclaveClient(flags.url, flags.token);
}

export function readFileArg(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new JointlabError('file_not_found', `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`, 'usage');
  }
}

/** The first bytes of a file (at most 1 MB: its header line), with readFileArg's errors for a missing or unreadable file. */
export function readHead(path: string): Buffer {
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(1 << 20);
      return head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new JointlabError('file_not_found', `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`, 'usage');
  }
}

export function readJsonArg(path: string): unknown {
  try {
    return JSON.parse(readFileArg(path).toString('utf8'));
  } catch (e) {
    if (e instanceof JointlabError) throw e;
    throw new JointlabError('malformed_json', `${path}: not valid JSON`, 'usage');
  }
}

/** Enterprise ids from a CSV with an "id" column, or from a plain list with one id per line. */
export function readIdList(path: string): string[] {
  const table = readCsvFile(path);
  const at = table.header.indexOf('id');
  const ids = at >= 0 ? table.rows.map((r) => r[at]) : [table.header[0], ...table.rows.map((r) => r[0])];
  return ids.map((x) => x.trim()).filter(Boolean);
}

/**
 * Checks the id column against the file's header before sending it, so that a wrong name costs no
 * upload and the message names this verb's own flag (the enclave's answer cannot know it).
 */
export function assertIdColumn(file: string, csv: Buffer, idColumn: string, flag: string): void {
  const end = csv.indexOf('\n');
  let header: string[];
  try {
    header = parseCsv(csv.subarray(0, end < 0 ? csv.length : end).toString('utf8') + '\n', file).header;
  } catch {
    return; // A broken file is reported in full by the enclave, which reads all of it.
  }
  if (!header.includes(idColumn)) {
    throw new JointlabError('unknown_column', `${file}: there is no id column "${idColumn}"${didYouMean(idColumn, header)} (name it with ${flag})`, 'usage');
  }
}
