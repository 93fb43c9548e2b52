/** The reference a network job must equal: the provinces' rows joined from their CSV files and pooled in one table, split by id as the network splits. */
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../lab/data/csv';
import { cellTable } from '../../lab/data/join';
import { frameOf, labelsOf } from '../../lab/data/columns';
import { isTestRow } from '../../lab/network/split';
import type { Layout } from '../../lab/network/layout';
import type { LocalData } from '../../lab/network/statistics';
import { takeLabels, takeRows } from '../../models/frame';
import { SME_NETWORK_STANDARD } from '../../lab/network/sme-standard';
import { COUNT_CLAMP } from '../../enclave/release/population';
import { DEFAULT_SETTINGS } from '../../enclave/http/context';

export const NETWORK_SPEC = {
  name: 'net-lr',
  purpose: 'SME credit model across provinces',
  platform: { dataset: 'platform', columns: ['tax_grade', 'tax_arrears', 'vat_paid_12m_10k', 'court_cases_3y', 'enforcement_records', 'utility_arrears_months', 'years_established', 'electricity_kwh_12m', 'dishonest_debtor'] },
  bank: { upload: 'customers', columns: ['loan_amount_10k', 'relationship_months', 'worst_overdue_days_12m'] },
  label: 'default_12m',
  model: { family: 'lr', params: { l2: 1 } },
  validation: { testFraction: 0.3, seed: 11 },
};

export function layoutOfSpec(spec = NETWORK_SPEC): Layout {
  return {
    features: [
      ...spec.bank.columns.map((name) => ({ name, kind: 'numeric' as const })),
      ...spec.platform.columns.map((name) => {
        const column = SME_NETWORK_STANDARD.columns.find((c) => c.name === name)!;
        return column.type === 'categorical' ? { name, kind: 'categorical' as const, levels: [...column.levels!] } : { name, kind: 'numeric' as const };
      }),
    ],
  };
}

/** The bank's customers that are in these platform tables, joined, split into train and test. */
export function joinedData(platformFiles: string[], bankFile: string, spec = NETWORK_SPEC): LocalData {
  const layout = layoutOfSpec(spec);
  const bank = parseCsv(readFileSync(bankFile, 'utf8'), 'bank');
  const bankAt = (name: string) => bank.header.indexOf(name);
  const byId = new Map<string, string[]>();
  const platformColumns = spec.platform.columns;
  for (const file of platformFiles) {
    const t = parseCsv(readFileSync(file, 'utf8'), 'platform');
    const positions = platformColumns.map((c) => t.header.indexOf(c));
    for (const row of t.rows) byId.set(String(row[0]), positions.map((k) => String(row[k])));
  }
  const uploadWanted = [...spec.bank.columns, spec.label];
  const cells = new Map<string, string[]>([...uploadWanted, ...platformColumns].map((n) => [n, []]));
  const ids: string[] = [];
  for (const row of bank.rows) {
    const id = String(row[bankAt('id')]);
    const platform = byId.get(id);
    if (!platform) continue;
    ids.push(id);
    uploadWanted.forEach((name) => cells.get(name)!.push(String(row[bankAt(name)])));
    platformColumns.forEach((name, k) => cells.get(name)!.push(platform[k]));
  }
  const joined = cellTable(cells, ids);
  const frame = frameOf(joined, layout.features.map((f) => f.name), new Set(layout.features.filter((f) => f.kind === 'categorical').map((f) => f.name)));
  const labels = labelsOf(joined, spec.label);
  const train: number[] = [];
  const test: number[] = [];
  ids.forEach((id, i) => (isTestRow(id, spec.validation.seed, spec.validation.testFraction) ? test : train).push(i));
  return { train: { frame: takeRows(frame, train), labels: takeLabels(labels, train) }, test: { frame: takeRows(frame, test), labels: takeLabels(labels, test) } };
}

/**
 * Fails when a province's own train or test rows hold fewer than k + COUNT_CLAMP of a class. A province
 * decides its k rule on noisy class counts under its enclave's random secret, so a class within the
 * clamp of k is refused in some runs and not in others: a test that expects a release must be on data
 * where every run passes (CI once drew 12 test defaults in a province against k = 10 and was refused).
 */
export function assertClearOfK(platformFiles: string[], bankFile: string, spec = NETWORK_SPEC, k = DEFAULT_SETTINGS.defaultK): void {
  const floor = k + COUNT_CLAMP;
  for (const file of platformFiles) {
    const data = joinedData([file], bankFile, spec);
    for (const [part, labels] of [['train', data.train.labels], ['test', data.test.labels]] as const) {
      const positives = labels.reduce((s, v) => s + v, 0);
      const least = Math.min(positives, labels.length - positives);
      if (least < floor) throw new Error(`${file}: ${least} ${part} rows in a class, under k + clamp = ${floor}; the province's refusal would depend on its noise`);
    }
  }
}
