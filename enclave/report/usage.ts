/**
 * A platform dataset's usage over a period, for the steward to pass on to data providers: per column,
 * how many trained jobs used it and for how many banks, its information value in released scorecards,
 * and its share of the test-AUC lift that released joint models gained over their bank-only twins.
 * Built from job specs and released results only; enclave/release/usage-rule.ts decides what shows.
 */
import type { ColumnUsage, DatasetUsage } from '../../lab/api/usage';
import { JointlabError } from '../../lab/errors';
import { isBankOnlyTwin } from '../../lab/spec/bank-only-twin';
import { LogisticState } from '../../models/logistic-regression';
import { ModelFile } from '../../models/model';
import { getDatasetMeta } from '../data/datasets';
import { JobRow } from '../jobs/jobs';
import { jobResults } from '../jobs/results';
import { USAGE_MIN_BANKS, usageCount, usageFigure } from '../release/usage-rule';
import { Db } from '../store/db';
import { decodeJob } from '../jobs/decode';

export interface UsagePeriod {
  from?: string;
  to?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Jobs that ran on data: a finished training (released or withheld by the check). */
const TRAINED = "('released', 'withheld')";

/**
 * How much each platform column of a released model drives it, as shares summing to 1 over the
 * model's platform columns: information value for scorecards, the size of standardized weights for
 * logistic regression, split gain for boosted trees. An MLP has no such reading: undefined.
 */
export function platformShares(model: ModelFile, description: Record<string, unknown>, platform: ReadonlySet<string>): Map<string, number> | undefined {
  const raw = new Map<string, number>();
  if (model.kind === 'scorecard') {
    for (const f of (description.features as { name: string; iv: number; inModel?: boolean }[] | undefined) ?? []) if (f.inModel !== false && platform.has(f.name)) raw.set(f.name, f.iv);
  } else if (model.kind === 'lr') {
    const state = model.state as Partial<LogisticState>;
    // A model file without its encoder (a job stored by hand) has no reading either.
    if (!state.encoder?.columns || !state.weights) return undefined;
    let at = 0;
    for (const column of state.encoder.columns) {
      const width = column.kind === 'numeric' ? (column.missingIndicator ? 2 : 1) : column.levels.length;
      let size = 0;
      for (let j = at; j < at + width; j++) size += Math.abs(state.weights[j]);
      at += width;
      if (platform.has(column.name)) raw.set(column.name, (raw.get(column.name) ?? 0) + size);
    }
  } else if (model.kind === 'gbdt') {
    for (const f of (description.importance as { name: string; share: number }[] | undefined) ?? []) if (platform.has(f.name)) raw.set(f.name, f.share);
  } else return undefined;
  const total = [...raw.values()].reduce((a, b) => a + b, 0);
  if (!(total > 0)) return undefined;
  return new Map([...raw].map(([name, v]) => [name, v / total]));
}

interface Tally {
  jobs: number;
  banks: Set<string>;
  iv: { sum: number; models: number; banks: Set<string> };
  lift: { auc: number; banks: Set<string> };
}

export async function datasetUsage(q: Db, dataset: string, period: UsagePeriod): Promise<DatasetUsage> {
  for (const [name, value] of Object.entries(period)) {
    if (value !== undefined && !DATE.test(value)) throw new JointlabError('bad_date', `${name} must be a date as YYYY-MM-DD`, 'usage');
  }
  const meta = await getDatasetMeta(q, dataset);
  if (!meta) throw new JointlabError('not_found', `no dataset "${dataset}"`, 'not_found');
  // Monitor jobs train nothing: they are no use of a column in a model.
  const rows = (await q.all<JobRow>(
    `SELECT * FROM jobs WHERE result IS NOT NULL AND state IN ${TRAINED} AND created_at >= ? AND created_at < ? ORDER BY created_at, id`,
    [period.from ?? '0000', period.to ?? '9999'],
  )).filter((r) => decodeJob(r).mode !== 'monitor');
  const specs = new Map(rows.map((r) => [r.id, decodeJob(r).spec]));
  // Results are large JSON: each is parsed once, when first needed (a bank-only job is read once per joint job it is the twin of).
  const parsed = new Map<string, ReturnType<typeof jobResults>['released']>();
  const releasedOf = (r: JobRow) => parsed.get(r.id) ?? parsed.set(r.id, jobResults(r).released).get(r.id)!;
  const tallies = new Map<string, Tally>(meta.columns.map((c) => [c.name, { jobs: 0, banks: new Set(), iv: { sum: 0, models: 0, banks: new Set() }, lift: { auc: 0, banks: new Set() } }]));
  const banks = new Set<string>();
  let jobs = 0;
  const lifts: number[] = [];
  for (const row of rows) {
    const spec = specs.get(row.id)!;
    if (spec.platform?.dataset !== dataset) continue;
    jobs++;
    banks.add(row.org);
    const platform = new Set(spec.platform.columns);
    for (const column of platform) {
      const t = tallies.get(column);
      if (!t) continue;
      t.jobs++;
      t.banks.add(row.org);
    }
    const released = releasedOf(row);
    const model = released.parameters?.model;
    if (!model) continue;
    const description = released.parameters!.description;
    if (model.kind === 'scorecard') {
      for (const f of (description.features as { name: string; iv: number }[] | undefined) ?? []) {
        const t = platform.has(f.name) ? tallies.get(f.name) : undefined;
        if (!t) continue;
        t.iv.sum += f.iv;
        t.iv.models++;
        t.iv.banks.add(row.org);
      }
    }
    // The lift over the latest bank-only twin of the same bank, upload and label, both as released.
    const own = released.metrics?.test?.auc;
    const twin = rows
      .filter((r) => r.id !== row.id && r.org === row.org && isBankOnlyTwin(spec, specs.get(r.id)!))
      .map((r) => releasedOf(r).metrics?.test?.auc)
      .filter((auc): auc is number => typeof auc === 'number')
      .pop();
    const shares = platformShares(model, description, platform);
    if (own === undefined || twin === undefined || !shares) continue;
    const lift = own - twin;
    lifts.push(lift);
    for (const [column, share] of shares) {
      const t = tallies.get(column)!;
      t.lift.auc += lift * share;
      t.lift.banks.add(row.org);
    }
  }
  const totalLift = [...tallies.values()].reduce((a, t) => a + t.lift.auc, 0);
  const columns: ColumnUsage[] = meta.columns
    .filter((c) => c.name !== meta.idColumn)
    .map((c) => {
      const t = tallies.get(c.name)!;
      const liftBanks = t.lift.banks.size;
      return {
        column: c.name,
        policy: c.policy,
        jobs: usageCount(t.jobs, meta.k),
        banks: usageCount(t.banks.size, meta.k),
        iv: t.iv.models ? usageFigure(t.iv.sum / t.iv.models, t.iv.banks.size) : null,
        liftShare: liftBanks && totalLift !== 0 ? usageFigure(t.lift.auc / totalLift, liftBanks) : null,
        liftAuc: liftBanks ? usageFigure(t.lift.auc, liftBanks) : null,
      };
    });
  // The mean lift describes every bank's models together: shown only when enough banks stand behind it.
  const liftBanks = new Set([...tallies.values()].flatMap((t) => [...t.lift.banks])).size;
  const meanLift = lifts.length && liftBanks >= USAGE_MIN_BANKS ? { models: lifts.length, meanAuc: Number((lifts.reduce((a, b) => a + b, 0) / lifts.length).toFixed(4)) } : null;
  return { dataset, from: period.from ?? null, to: period.to ?? null, k: meta.k, minBanks: USAGE_MIN_BANKS, jobs: usageCount(jobs, meta.k), banks: usageCount(banks.size, meta.k), lift: meanLift, columns };
}
