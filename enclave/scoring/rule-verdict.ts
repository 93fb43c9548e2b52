/** The scoring rule applied to a released model, on the platform population of its job's dataset. */
import { frameOf } from '../../lab/data/columns';
import { cellTable } from '../../lab/data/join';
import { JobSpec } from '../../lab/spec/job-spec';
import { loadModel } from '../../models';
import { ModelFile } from '../../models/model';
import { datasetSample } from '../data/datasets';
import { DEFAULT_SCORING_RULE, scoringVerdict } from '../release/scoring-rule';
import { Db } from '../store/db';
import type { ScoringVerdict } from '../../lab/api/scoring';

/** Enough rows for variance shares to two decimals; a larger platform is sampled evenly (the rule runs on the enclave's main thread). */
const MAX_ROWS = 5_000;

export async function scoringRuleVerdict(db: Db, spec: JobSpec, model: ModelFile): Promise<ScoringVerdict> {
  try {
    return await verdictOf(db, spec, model);
  } catch {
    // A rule that cannot be judged does not pass; the reason quotes nothing from the data.
    return { passes: false, reason: 'the scoring rule could not be evaluated on the platform population', rule: DEFAULT_SCORING_RULE, features: [] };
  }
}

async function verdictOf(db: Db, spec: JobSpec, model: ModelFile): Promise<ScoringVerdict> {
  const platformColumns = spec.platform?.columns ?? [];
  const columns = model.features.map((f) => f.name).filter((name) => platformColumns.includes(name));
  if (!spec.platform || columns.length === 0) {
    return { passes: false, reason: 'the model uses no platform feature', rule: DEFAULT_SCORING_RULE, features: [] };
  }
  const fitted = loadModel(model);
  // Only the sampled rows are read: on a platform of millions, reading every row took a minute a request.
  const rows = await datasetSample(db, spec.platform.dataset, columns, MAX_ROWS);
  const cells = new Map(columns.map((c, j) => [c, rows.map((r) => r[j])]));
  const joined = cellTable(cells);
  const categorical = new Set(model.features.filter((f) => f.kind === 'categorical').map((f) => f.name));
  // Bank features are not in the platform population: the rule looks at the platform part only, so
  // such a model is judged on a frame whose bank columns are all missing (their part is constant).
  const bankColumns = model.features.filter((f) => !columns.includes(f.name));
  const frame = frameOf(joined, columns, categorical);
  for (const f of bankColumns) {
    frame.columns.push(f.kind === 'numeric' ? { name: f.name, kind: 'numeric', values: new Float64Array(rows.length).fill(NaN) } : { name: f.name, kind: 'categorical', values: new Array<string | null>(rows.length).fill(null) });
  }
  return scoringVerdict(fitted, frame, columns);
}
