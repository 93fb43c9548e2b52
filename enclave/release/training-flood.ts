/**
 * What a bank is told about an encrypted-label training round's flood. The round's noise estimate is
 * computed from the platform's rows (the inverse Hessian's row sums, the columns' norms, each label
 * block's largest value), so its exact figure is a function of the data: reported to a tenth of a
 * bit, a bank that uploads one population in several orders over several jobs read the norm of one
 * enterprise's row to 0.03 standard deviations (found by a review). Scoring sizes its estimate from
 * public bounds instead (score-bounds.ts); training's matrix has no public bound, so a round reports
 * what the policy guarantees, and a refusal says what to change, with no figure.
 */
import { JointlabError } from '../../lab/errors';
import type { FloodReport } from '../../lab/api/he-sessions';
import type { FloodPolicy } from '../he/enclave-crypto';

/** The flood a round reports: at least the policy's floor of bits, at the spread it adds (the policy's precision). */
export function reportedRoundFlood(policy: FloodPolicy, flood: FloodReport): FloodReport {
  return { bits: policy.minBits, valueStd: flood.valueStd };
}

/** A round (or a session's first round) that cannot be flooded: 422 insufficient_precision, naming no figure from the data. */
export function unfloodableRound(when: string, l2: number): JointlabError {
  return new JointlabError(
    'insufficient_precision',
    `${when} cannot be noise-flooded at the precision the weights need: columns that (nearly) add up to others, or a categorical column's levels, leave directions only the L2 penalty steadies; ` +
      `drop or merge such columns, or raise l2 (at ${l2} now)`,
    'validation',
  );
}
