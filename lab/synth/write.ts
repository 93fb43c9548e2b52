/** Writes the synthetic tables as CSV files into one folder. */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatCsv } from '../data/csv';
import { JointlabError } from '../errors';
import { errnoWords } from '../data/file-errors';
import { SynthOptions, SynthTables, synthesize } from './generate';

export interface SynthFiles {
  platform: string;
  bank: string;
  consent: string;
}

export const SYNTH_FILE_NAMES = { platform: 'platform.csv', bank: 'bank.csv', consent: 'consent.csv' } as const;

export function synthFiles(dir: string): SynthFiles {
  return { platform: join(dir, SYNTH_FILE_NAMES.platform), bank: join(dir, SYNTH_FILE_NAMES.bank), consent: join(dir, SYNTH_FILE_NAMES.consent) };
}

/** Pseudo file systems such as /proc answer ENOENT for a folder that cannot exist there, under a parent that does. */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? `this file system does not allow it: ${code}` : errnoWords(code);
}

/**
 * Creates the output folder one level at a time. Node's `mkdirSync(..., { recursive: true })` loops
 * forever under /proc (ENOENT for a parent that exists), so the recursion is ours and every failure
 * becomes a message that names the folder.
 */
export function assertOutputFolder(dir: string): void {
  const path = resolve(dir);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new JointlabError('out_not_a_folder', `--out ${dir}: is an existing file; --out names a folder to write platform.csv, bank.csv and consent.csv into`, 'usage');
    return;
  }
  const parent = dirname(path);
  if (parent !== path) assertOutputFolder(parent);
  try {
    mkdirSync(path);
  } catch (e) {
    throw new JointlabError('out_not_writable', `--out ${dir}: cannot create the folder ${path} (${reason(e)})`, 'usage');
  }
}

export function writeSynth(options: SynthOptions, dir: string): { files: SynthFiles; tables: SynthTables } {
  assertOutputFolder(dir);
  const tables = synthesize(options);
  const files = synthFiles(dir);
  for (const key of ['platform', 'bank', 'consent'] as const) {
    try {
      writeFileSync(files[key], formatCsv(tables[key].header, tables[key].rows));
    } catch (e) {
      throw new JointlabError('out_not_writable', `${files[key]}: cannot be written (${reason(e)})`, 'usage');
    }
  }
  return { files, tables };
}

export interface ProvinceSynth {
  code: string;
  files: SynthFiles;
  tables: SynthTables;
}

/**
 * The national network's synthetic data: one platform per province (seed + its position, in
 * `synth-CODE/`), and one bank whose customers of every province are written together to `bank-all.csv`.
 */
export function writeProvinceSynth(codes: readonly string[], options: { enterprises: number; bankCustomers: number; seed: number }, dir: string): { provinces: ProvinceSynth[]; bankFile: string; bankRows: number } {
  const provinces = codes.map((code, i) => ({ code, ...writeSynth({ enterprises: options.enterprises, bankCustomers: options.bankCustomers, seed: options.seed + i, bank: 'bank-a', province: code }, join(dir, `synth-${code}`)) }));
  const rows = provinces.flatMap((p) => p.tables.bank.rows);
  const bankFile = join(dir, 'bank-all.csv');
  writeFileSync(bankFile, formatCsv(provinces[0].tables.bank.header, rows));
  return { provinces, bankFile, bankRows: rows.length };
}
