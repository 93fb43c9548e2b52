/**
 * The demo's joint-scoring step: the bank scores a few applicants with the joint model, the platform
 * part coming from the enclave for those with a scoring consent and the bank part computed on its side.
 */
import { EnclaveClient } from '../lab/client/enclave-client';
import { JointScores, scoreJointly } from '../lab/client/joint-score';
import { isFinal } from '../lab/lifecycle';
import { JobSpec } from '../lab/spec/job-spec';
import { JointlabError } from '../lab/errors';
import { loadJoined } from '../lab/train';
import { fixed, table } from '../lab/text';
import type { JobView } from '../lab/api/jobs';

export interface DemoJointScoring {
  job: string;
  asked: number;
  scores: { id: string; score: number; points?: number; bankPart: number; platformPart: number }[];
  refused: { id: string; reason: string }[];
}

/** Applicants the step names: customers applying for a new credit line, in the bank file's order. */
const ASKED = 8;
/** Rows of the printed table. */
const SHOWN = 5;

/**
 * Platform features of which no one carries half of a joint model's platform part on the synthetic
 * data (largest share about 0.2 for a scorecard, 0.4 for logistic regression, measured on the default
 * seed): a joint model whose platform part hangs on tax_grade or electricity_yoy fails the scoring
 * rule, since its part would be a lookup of that feature.
 */
export const SCORING_FEATURES = ['tax_arrears', 'court_cases_3y', 'enforcement_records', 'years_established', 'utility_arrears_months', 'admin_penalties_3y', 'si_headcount', 'vat_paid_12m_10k', 'registered_capital_10k'];

/** A joint spec for scoring: the demo's joint spec on the scoring features. */
export interface ScoringSpecSource {
  spec: JobSpec;
  steward: EnclaveClient;
}

export async function jointScoringStep(bank: EnclaveClient, job: string, fallback: ScoringSpecSource, bankFile: string, say: (line: string, step?: boolean) => void): Promise<DemoJointScoring | undefined> {
  const rows = loadJoined([bankFile], 'id');
  const ids = rows.ids.slice(0, ASKED);
  let r: JointScores;
  try {
    r = await scoreJointly(bank, job, rows, ids, bankFile);
  } catch (e) {
    // An MLP cannot be split: the demo says why and goes on.
    if (!(e instanceof JointlabError) || e.code !== 'scoring_rule') {
      if (e instanceof JointlabError) say(`the joint model cannot score new applicants: ${e.message}`);
      else throw e;
      return undefined;
    }
    say(`the joint model may not score applicants: ${e.message.replace(/^this model may not score enterprises: /, '')}; the bank trains one for scoring on ${SCORING_FEATURES.length} platform features that spread the score`);
    const spec: JobSpec = { ...fallback.spec, name: `${fallback.spec.name}-scoring`, platform: { dataset: fallback.spec.platform!.dataset, columns: SCORING_FEATURES } };
    job = (await bank.request<JobView>('POST', 'v1/jobs', { json: spec })).id;
    await fallback.steward.request('POST', `v1/jobs/${job}/approve`, { json: {} });
    for (;;) {
      const view = await bank.request<JobView>('GET', `v1/jobs/${job}`);
      if (view.state === 'released') break;
      if (isFinal(view.state)) throw new JointlabError('demo_failed', `the scoring model's job ended ${view.state}${view.reason ? ` (${view.reason})` : ''}`, 'server');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    r = await scoreJointly(bank, job, rows, ids, bankFile);
  }
  const unit = r.unit === 'points' ? 'points' : 'log-odds';
  const digits = r.unit === 'points' ? 1 : 3;
  say(
    `bank scored ${ids.length} customers applying for a new credit line with the joint ${r.kind === 'lr' ? 'logistic regression' : 'scorecard'}: ` +
      `the enclave returned the platform part (${r.platformFeatures.length} features, ${unit}) for the ${r.scores.length} with a scoring consent, the bank added its own part (${r.bankFeatures.length} features) on its side`,
  );
  const rowsShown = r.scores.slice(0, SHOWN).map((s) => [s.id, s.bankPart.toFixed(digits), s.platformPart.toFixed(digits), ...(s.points !== undefined ? [s.points.toFixed(1)] : []), fixed(s.score)]);
  const header = ['applicant', 'bank part', 'platform part', ...(r.unit === 'points' ? ['points'] : []), 'P(default)'];
  for (const line of table([header, ...rowsShown]).split('\n')) say(`   ${line}`, false);
  const reasons = new Map<string, number>();
  for (const x of r.refused) reasons.set(x.reason, (reasons.get(x.reason) ?? 0) + 1);
  for (const [reason, n] of reasons) say(`   refused ${n} by id: ${reason}`, false);
  return { job, asked: ids.length, scores: r.scores, refused: r.refused };
}
