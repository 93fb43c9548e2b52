/** Hand-built platform tables for monitor tests: a dataset of chosen columns, a bank upload of labels, and a platform-only model trained on it. */
import { strict as assert } from 'node:assert';
import { formatCsv } from '../../../lab/data/csv';
import { Random } from '../../../models/random';
import { TestEnclave, waitForJob } from '../../helpers/enclave';

export const idOf = (i: number): string => `E${String(i).padStart(6, '0')}`;

/** A CSV of `columns` (name -> cells by row) keyed by idOf(row). */
export function tableCsv(columns: Record<string, string[]>): Buffer {
  const names = Object.keys(columns);
  const rows = columns[names[0]].length;
  return Buffer.from(formatCsv(['id', ...names], Array.from({ length: rows }, (_, i) => [idOf(i), ...names.map((n) => columns[n][i])])));
}

/** `counts` copies of each value, in an order shuffled by `seed`. */
export function shuffled(counts: [string, number][], seed: number): string[] {
  const out = counts.flatMap(([v, n]) => new Array<string>(n).fill(v));
  const rng = new Random(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Imports `csv` as dataset `name` (snapshot 1), uploads labels for the first `customers` rows as bank
 * A's upload `name-customers`, and trains a released platform-only `family` model on `columns`.
 */
export async function platformOnlyModel(t: TestEnclave, name: string, csv: Buffer, columns: string[], customers: number, family = 'lr'): Promise<string> {
  await t.client('steward').request('POST', 'v1/datasets', { csv, query: { name, idColumn: 'id' } });
  const rng = new Random(7);
  const labels = Array.from({ length: customers }, (_, i) => [idOf(i), rng.bernoulli(0.3) ? '1' : '0']);
  await t.client('bankA').request('POST', 'v1/uploads', { csv: Buffer.from(formatCsv(['id', 'default_12m'], labels)), query: { name: `${name}-customers` } });
  const spec = { name: `${name}-model`, purpose: 'test', bank: { upload: `${name}-customers` }, platform: { dataset: name, columns }, label: 'default_12m', model: { family } };
  const id = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
  await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
  assert.equal(await waitForJob(t, id), 'released');
  return id;
}

export const monitorSpec = (job: string, family: string, extra: Record<string, unknown> = {}) => ({ name: 'watch', purpose: 'monthly stability review', mode: 'monitor', model: { family }, monitor: { job, ...extra } });

/** Rows of a numeric column, from a CSV, that fall in a released bin's label ("(a, b]", "missing", joined with " + "). */
export function rowsInBin(label: string, values: (number | null)[]): number {
  return label.split(' + ').reduce((n, part) => {
    if (part === 'missing') return n + values.filter((v) => v === null).length;
    const m = /^\((.+), (.+)\]$/.exec(part)!;
    const lo = m[1] === '-inf' ? -Infinity : Number(m[1]);
    const hi = m[2] === 'inf' ? Infinity : Number(m[2]);
    return n + values.filter((v) => v !== null && v > lo && v <= hi).length;
  }, 0);
}
