#!/usr/bin/env node
/** The `jointlab` command: one file per verb, one place that turns errors into messages and exit codes. */
import { Command, CommanderError } from 'commander';
import { EXIT_CODES, JointlabError } from '../lab/errors';
import { fileError } from '../lab/data/file-errors';
import { register as registerScore } from './score';
import { register as registerSynth } from './synth';
import { register as registerTrain } from './train';
import { register as registerDemo } from './demo';
import { register as registerEnclave } from './enclave';
import { register as registerAdmin } from './admin';
import { register as registerDataset } from './dataset';
import { register as registerUpload } from './upload';
import { register as registerJob } from './job';
import { register as registerAudit } from './audit';
import { register as registerConsent } from './consent';
import { register as registerHe } from './he';
import { register as registerPrivacy } from './privacy';
import { register as registerReport } from './report';
import { register as registerScoring } from './scoring';
import { register as registerMonitor } from './monitor';
import { register as registerHub } from './hub';
import { register as registerNetwork } from './network';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

function fail(thrown: unknown, json: boolean): never {
  if (thrown instanceof CommanderError) process.exit(thrown.exitCode === 0 ? 0 : EXIT_CODES.usage);
  // A file the user named that cannot be written or read is the user's to fix: say which and why.
  const error = fileError(thrown);
  const known = error instanceof JointlabError;
  const code = known ? error.code : 'internal_error';
  // Unknown errors can carry anything in their text; only the debug switch shows it.
  const message = known ? error.message : 'internal error (set JOINTLAB_DEBUG=1 for details)';
  if (json) process.stdout.write(JSON.stringify({ error: { code, message } }) + '\n');
  process.stderr.write(`jointlab: ${message}\n`);
  if (!known && process.env.JOINTLAB_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(known ? error.exitCode : EXIT_CODES.internal);
}

export function buildProgram(): Command {
  const program = new Command('jointlab')
    .description('privacy-preserving joint modeling lab for credit: platform data stays in the enclave, only checked aggregates leave')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    // Needed for `upload list --json`, whose parent verb has options of its own.
    .enablePositionalOptions()
    .exitOverride();
  for (const register of [registerDemo, registerSynth, registerTrain, registerScore, registerMonitor, registerEnclave, registerAdmin, registerDataset, registerUpload, registerJob, registerConsent, registerHe, registerPrivacy, registerScoring, registerReport, registerAudit, registerHub, registerNetwork]) {
    register(program);
  }
  return program;
}

/**
 * A reader that stops early (`jointlab score ... | head -1`) closes the pipe; that is the reader's
 * choice, not a failure, so the CLI stops quietly with success, as Unix filters do.
 */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_CODES.ok);
    throw e;
  });
}

if (require.main === module) {
  quietOnClosedPipe();
  buildProgram()
    .parseAsync(process.argv)
    .catch((e) => fail(e, process.argv.includes('--json')));
}
