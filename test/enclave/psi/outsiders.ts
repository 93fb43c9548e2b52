/** A bank table for PSI tests: the synthetic customers (all on the platform) plus customers who are not, with valid codes of their own. */
import { readFileSync, writeFileSync } from 'node:fs';
import { Random } from '../../../models/random';
import { generateUscc } from '../../../lab/synth/uscc';
import { parseCsv, formatCsv } from '../../../lab/data/csv';

export interface MixedBank {
  file: string;
  insiders: string[];
  outsiders: string[];
}

/** Writes `out`: bank.csv's rows, then `extra` rows whose ids appear nowhere on the platform, their cells copied from real rows. */
export function withOutsiders(bankCsv: string, platformCsv: string, extra: number, out: string, seed = 7): MixedBank {
  const bank = parseCsv(readFileSync(bankCsv, 'utf8'), 'bank');
  const platformIds = new Set(parseCsv(readFileSync(platformCsv, 'utf8'), 'platform').rows.map((r) => r[0]));
  const random = new Random(seed);
  const outsiders: string[] = [];
  while (outsiders.length < extra) {
    const id = generateUscc(random, '440300');
    if (!platformIds.has(id) && !outsiders.includes(id)) outsiders.push(id);
  }
  const rows = [...bank.rows, ...outsiders.map((id, i) => [id, ...bank.rows[i % bank.rows.length].slice(1)])];
  writeFileSync(out, formatCsv(bank.header, rows));
  return { file: out, insiders: bank.rows.map((r) => r[0]), outsiders };
}
