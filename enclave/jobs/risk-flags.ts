/** Automatic flags on a submitted spec, for the steward's review: sensitive columns, small cohorts, rare labels, HE protocols. */
import { JobSpec } from '../../lab/spec/job-spec';
import { HE_BOUNDS, assertHeSettings } from '../../lab/spec/he-spec';
import { PARAM_SET_NAMES } from '../../lab/he/params';
import { MAX_ROUND_WEIGHT } from '../release/he-rounds';
import { Db } from '../store/db';
import { DEFAULT_SCORING_RULE } from '../release/scoring-rule';
import type { RiskFlag } from '../../lab/api/jobs';
import type { UploadMeta } from '../../lab/api/uploads';
import type { DatasetMeta } from '../../lab/api/datasets';

/** Below this many joined rows a model says a lot about each of them. */
export const SMALL_COHORT = 500;
/** Fewer positives than this, or a lower rate, makes metrics and fits fragile and revealing. */
export const RARE_LABEL_COUNT = 50;
export const RARE_LABEL_RATE = 0.01;

/** What an HE job's protocol lets the bank learn, with its settings against their documented bounds. */
export function heFlag(spec: JobSpec): RiskFlag | undefined {
  if (spec.mode !== 'he-train' && spec.mode !== 'he-score') return undefined;
  const he = assertHeSettings(spec);
  const b = HE_BOUNDS;
  const set = he.paramSet ?? `the bank's choice of ${PARAM_SET_NAMES.join(' or ')}`;
  if (spec.mode === 'he-score') {
    return {
      code: 'he_protocol',
      message:
        `private-model scoring on ${set}: the bank's model stays encrypted, so neither you nor the enclave sees it; ` +
        'the bank learns one score per consented enterprise it names, for any linear model it chooses (a one-feature model reads that feature of each consented enterprise)',
    };
  }
  return {
    code: 'he_protocol',
    message:
      `encrypted-label training on ${set}: l2 ${he.l2} (allowed ${b.l2.min} to ${b.l2.max}), at most ${he.rounds} decrypted Newton rounds (allowed ${b.rounds.min} to ${b.rounds.max}), ` +
      `epsilon ${he.epsilon} over those rounds (allowed ${b.epsilon.min} to ${b.epsilon.max}, charged to the bank's budget), round weights within ±${MAX_ROUND_WEIGHT}. ` +
      "Labels stay encrypted; non-binary labels turn every answer into noise, and each answer carries Gaussian noise sized to one enterprise's row: " +
      'the bank learns its model weights with that noise, not a row (see README, encrypted-label training)',
  };
}

export async function riskFlags(db: Db, spec: JobSpec, upload: UploadMeta | undefined, dataset: DatasetMeta | undefined): Promise<RiskFlag[]> {
  const flags: RiskFlag[] = [];
  const sensitive = (spec.platform?.columns ?? []).filter((c) => dataset?.columns.find((d) => d.name === c)?.policy === 'sensitive');
  if (sensitive.length) flags.push({ code: 'sensitive_columns', message: `asks for sensitive columns: ${sensitive.join(', ')}` });
  if (!spec.platform) flags.push({ code: 'bank_only', message: 'uses no platform data' });
  if (spec.mode === 'monitor' && spec.monitor && spec.platform) {
    flags.push({
      code: 'monitor',
      message: `monitors released job ${spec.monitor.job} on snapshots ${spec.monitor.base} and ${spec.monitor.current} of "${spec.platform.dataset}": releases the PSI of its score and the CSI of ${spec.platform.columns.length} platform column${spec.platform.columns.length === 1 ? '' : 's'} over the whole platform population, on bins of at least k rows with noisy counts and shares to three decimals`,
    });
    return flags;
  }
  const he = heFlag(spec);
  if (he) flags.push(he);
  const platformCount = spec.platform?.columns.length ?? 0;
  // The scoring rule (enclave/release/scoring-rule.ts) is judged on the released model; a spec this narrow cannot pass it.
  if (spec.platform && platformCount < DEFAULT_SCORING_RULE.minFeatures && spec.mode !== 'he-train') {
    flags.push({
      code: 'scoring_rule',
      message: spec.mode === 'he-score'
        ? `private scoring over ${platformCount} platform column${platformCount === 1 ? '' : 's'}: each score tracks few values (noise and the model budget still apply)`
        : `${platformCount} platform column${platformCount === 1 ? '' : 's'}: the model will fail the scoring rule (at least ${DEFAULT_SCORING_RULE.minFeatures}) and cannot score enterprises`,
    });
  }

  // Private-model scoring joins nothing; its per-enterprise checks (consent) happen per request.
  if (!upload) return flags;
  const labelAt = upload.columns.findIndex((c) => c.name === spec.label);
  const rows = spec.platform
    ? await db.all<{ cells: string }>(
        'SELECT u.cells FROM upload_rows u JOIN dataset_rows d ON d.dataset = ? AND d.entity_id = u.entity_id WHERE u.upload = ?',
        [spec.platform.dataset, upload.id],
      )
    : await db.all<{ cells: string }>('SELECT cells FROM upload_rows WHERE upload = ?', [upload.id]);
  if (rows.length < SMALL_COHORT) flags.push({ code: 'small_cohort', message: `only ${rows.length} rows would be joined (under ${SMALL_COHORT})` });
  if (labelAt >= 0) {
    let positives = 0;
    for (const r of rows) if ((JSON.parse(r.cells) as string[])[labelAt]?.trim() === '1') positives++;
    if (positives < RARE_LABEL_COUNT || positives < RARE_LABEL_RATE * rows.length) {
      flags.push({ code: 'rare_label', message: `${positives} positive labels among ${rows.length} joined rows` });
    }
  }
  return flags;
}
