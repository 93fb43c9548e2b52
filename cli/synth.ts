/** `jointlab synth`: write deterministic synthetic platform, bank and consent tables. */
import { Command } from 'commander';
import { SYNTH_DEFAULTS } from '../lab/synth/generate';
import { existsSync } from 'node:fs';
import { synthFiles, writeSynth } from '../lab/synth/write';
import { JointlabError } from '../lab/errors';
import { integer, positiveInteger } from './options';
import { printJson } from './output';

interface SynthFlags {
  enterprises: number;
  bankCustomers: number;
  seed: number;
  bank: string;
  out: string;
  force?: boolean;
  province?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('generate synthetic SME credit data: platform.csv, bank.csv and consent.csv, deterministic by seed')
    .option('--enterprises <n>', 'enterprises in the platform table', positiveInteger, SYNTH_DEFAULTS.enterprises)
    .option('--bank-customers <n>', "enterprises in the bank's table (with the default label)", positiveInteger, SYNTH_DEFAULTS.bankCustomers)
    .option('--seed <n>', 'seed; the same seed writes the same files', integer, SYNTH_DEFAULTS.seed)
    .option('--bank <name>', 'bank the bank table and consents belong to', SYNTH_DEFAULTS.bank)
    .option('--province <code>', 'two-digit province code (GB/T 2260, e.g. 44): every enterprise registers there, as on one provincial platform')
    .option('--out <dir>', 'folder to write into', 'synth')
    .option('--force', 'overwrite platform.csv, bank.csv and consent.csv if the folder already has them')
    .option('--json', 'print one JSON object instead of text')
    .action((flags: SynthFlags) => {
      if (flags.bankCustomers > flags.enterprises) {
        throw new JointlabError('bad_sizes', '--bank-customers cannot exceed --enterprises', 'usage');
      }
      // Files written by hand or by another seed are not replaced without being asked.
      const existing = Object.values(synthFiles(flags.out)).filter((f) => existsSync(f));
      if (existing.length > 0 && !flags.force) {
        throw new JointlabError('out_exists', `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} (pass --force to overwrite, or choose another --out)`, 'usage');
      }
      const { files, tables } = writeSynth({ enterprises: flags.enterprises, bankCustomers: flags.bankCustomers, seed: flags.seed, bank: flags.bank, ...(flags.province ? { province: flags.province } : {}) }, flags.out);
      const defaults = tables.bank.rows.reduce((s, r) => s + Number(r[r.length - 1]), 0);
      const summary = {
        files,
        rows: { platform: tables.platform.rows.length, bank: tables.bank.rows.length, consent: tables.consent.rows.length },
        defaultRate: defaults / tables.bank.rows.length,
        seed: flags.seed,
      };
      if (flags.json) printJson(summary);
      else {
        console.log(`wrote ${summary.rows.platform} enterprises to ${files.platform}`);
        console.log(`wrote ${summary.rows.bank} bank customers (default rate ${(summary.defaultRate * 100).toFixed(1)}%) to ${files.bank}`);
        console.log(`wrote ${summary.rows.consent} consent records to ${files.consent}`);
      }
    });
}
