/**
 * What encrypted-label training can flood, decided from the spec alone before anything runs: the
 * parameter set, and the L2 penalty its categorical columns need. The CLI checks it before it
 * submits, the enclave at submission (422 `he_training_unfit`) and again when a session opens.
 */
import { Problem } from '../../lab/errors';
import { PARAM_SET_NAMES, ParamSetName } from '../../lab/he/params';

/**
 * Parameter sets a training session may use. Each round's answer must carry at least 12 bits of
 * flooding within the weights' 1e-5 precision (enclave/he/enclave-crypto.ts). At N = 8192 the
 * key-switching noise of the slot sums alone is about 2.4e-6 times the Newton matrix's largest row
 * sum, which would have to stay under 1e-3: about 1/(0.09 n) for the intercept alone on n matched
 * rows, while the rows' own rounding noise grows with n. No upload fits; N = 8192 serves private
 * scoring (`he score`), which sums no slots.
 */
export const HE_TRAINING_PARAM_SETS: readonly ParamSetName[] = ['n16384'];

/**
 * A categorical column is one-hot encoded over its levels, and the levels of a row add up to 1: the
 * intercept's column. Along that direction the Newton matrix is the L2 penalty alone, so the noise a
 * round must flood grows as (categorical columns) / l2, and also with the rows, whose label noise
 * Enc(X^T y) sums (enclave/he/enclave-crypto.ts noiseEstimate). With the estimate that bounds the
 * measured error, a first round at N = 16384 leaves, on synthetic designs with one categorical column
 * per 32 of l2: 14.8 to 15.3 bits on 1,500 rows and 12.7 to 13.1 on 30,000 (two to twelve levels);
 * at 8 per column 12.9 to 13.4 on 1,500 rows, but 30,000 are refused. This is the rule a spec can be checked against
 * before anything runs; the session's opening checks the first round on the real design
 * (enclave/he/round-noise.ts firstRoundFlood) and says when a larger l2 is needed.
 */
export const L2_PER_CATEGORICAL = 32;

export interface HeTrainingShape {
  /** The set the spec or the session names; undefined when the bank has not chosen yet. */
  paramSet?: ParamSetName;
  l2: number;
  /** Platform columns of the spec in order, with whether the dataset types them categorical. */
  columns: { name: string; categorical: boolean }[];
}

/** Problems, as JSON pointers into the spec, that make every round of the training refuse; empty when it can run. */
export function heTrainingProblems(shape: HeTrainingShape): Problem[] {
  const problems: Problem[] = [];
  if (shape.paramSet && !HE_TRAINING_PARAM_SETS.includes(shape.paramSet)) {
    const others = PARAM_SET_NAMES.filter((p) => !HE_TRAINING_PARAM_SETS.includes(p));
    problems.push({
      pointer: '/he/paramSet',
      message: `encrypted-label training runs on ${HE_TRAINING_PARAM_SETS.join(', ')} only: at ${others.join(', ')} the rounds cannot be noise-flooded for any upload (${others.join(', ')} serves private scoring)`,
    });
  }
  const categorical = shape.columns.map((c, i) => ({ ...c, i })).filter((c) => c.categorical);
  const needed = L2_PER_CATEGORICAL * categorical.length;
  if (categorical.length && shape.l2 < needed) {
    const names = categorical.map((c) => c.name).join(', ');
    for (const c of categorical) {
      problems.push({
        pointer: `/platform/columns/${c.i}`,
        message:
          `"${c.name}" is categorical: under encrypted-label training its one-hot levels add up to the intercept, and only the L2 penalty steadies that direction, ` +
          `so at l2 ${shape.l2} no round can be noise-flooded; drop ${names}, give ${categorical.length === 1 ? 'it' : 'them'} as numbers (a numeric grade or bin), ` +
          `or set l2 to at least ${needed} (${L2_PER_CATEGORICAL} per categorical column; --l2 ${needed})`,
      });
    }
  }
  return problems;
}
