/** The stored scoring policy of each dataset: read with the defaults filled in, set by a steward with an audit entry. */
import { JointlabError } from '../../lab/errors';
import { appendAudit } from '../audit/log';
import type { Principal } from '../../lab/api/principals';
import { getDatasetMeta } from '../data/datasets';
import { DEFAULT_SCORING_POLICY } from '../release/scoring-policy';
import { Queries } from '../store/db';
import { Db } from '../store/db';
import type { ScoringPolicy } from '../../lab/api/scoring';

interface PolicyRow {
  models_per_window: number;
  window_days: number;
  noise_swap: number;
  noise_sd: number;
}

export async function scoringPolicyOf(q: Queries, dataset: string): Promise<ScoringPolicy> {
  const row = await q.get<PolicyRow>('SELECT * FROM scoring_policy WHERE dataset = ?', [dataset]);
  if (!row) return { ...DEFAULT_SCORING_POLICY };
  return { modelsPerWindow: row.models_per_window, windowDays: row.window_days, noiseSwap: row.noise_swap, noiseSd: row.noise_sd };
}

/** Changes some settings of a dataset's policy; each was checked against its documented range (lab/spec/requests.ts). */
export async function setScoringPolicy(db: Db, dataset: string, change: Partial<ScoringPolicy>, actor: Principal): Promise<ScoringPolicy> {
  if (!(await getDatasetMeta(db, dataset))) throw new JointlabError('not_found', `no dataset "${dataset}"`, 'not_found');
  await db.transaction(async (q) => {
    const next = { ...(await scoringPolicyOf(q, dataset)), ...change };
    await q.run(
      'INSERT OR REPLACE INTO scoring_policy (dataset, models_per_window, window_days, noise_swap, noise_sd, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [dataset, next.modelsPerWindow, next.windowDays, next.noiseSwap, next.noiseSd, actor.id, new Date().toISOString()],
    );
    await appendAudit(q, { actor: actor.id, action: 'scoring.policy', object: `dataset:${dataset}`, detail: { ...next } });
  });
  return scoringPolicyOf(db, dataset);
}
