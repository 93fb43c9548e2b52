/** Writes the synthetic tables as CSV files into one folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCsv } from '../data/csv';
import { SynthOptions, SynthTables, synthesize } from './generate';

export interface SynthFiles {
  platform: string;
  bank: string;
  consent: string;
}

export function writeSynth(options: SynthOptions, dir: string): { files: SynthFiles; tables: SynthTables } {
  const tables = synthesize(options);
  mkdirSync(dir, { recursive: true });
  const files = { platform: join(dir, 'platform.csv'), bank: join(dir, 'bank.csv'), consent: join(dir, 'consent.csv') };
  for (const key of ['platform', 'bank', 'consent'] as const) writeFileSync(files[key], formatCsv(tables[key].header, tables[key].rows));
  return { files, tables };
}
