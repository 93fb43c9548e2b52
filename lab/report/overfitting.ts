/** The overfitting flag shown in model reports and `jointlab job results`: train AUC well above test AUC. */

/**
 * A model is flagged when its train AUC exceeds its test AUC by more than this. Sampling alone moves
 * a test AUC by about 0.01-0.02 on the few thousand test rows a joint job has, so 0.05 flags a model
 * that learned its training rows (an MLP at 0.868 train against 0.753 test) and not ordinary noise.
 */
export const OVERFIT_AUC_GAP = 0.05;

export const OVERFIT_RULE = `flagged when the train AUC exceeds the test AUC by more than ${OVERFIT_AUC_GAP}`;

export interface OverfitCheck {
  /** True when the gap is over the rule's threshold; null when it cannot be judged (a figure not released). */
  flagged: boolean | null;
  gap: number | null;
  /** One sentence for a reader: the finding, or why there is none. */
  message: string;
}

interface Aucs {
  train?: { auc: number };
  test?: { auc: number };
}

/** Why a job's train AUC is missing under DP; a local report says its own reason. */
export const DP_NO_TRAIN = 'train metrics are not released under differential privacy';

/** `missing`: why there is no train AUC to compare (DP_NO_TRAIN for a DP job), when there is none. */
export function overfitCheck(metrics: Aucs | undefined, missing = 'the train or test AUC is not available'): OverfitCheck {
  const train = metrics?.train?.auc;
  const test = metrics?.test?.auc;
  if (train === undefined || test === undefined || !Number.isFinite(train) || !Number.isFinite(test)) {
    const why = missing;
    return { flagged: null, gap: null, message: `Overfitting not checked: ${why}.` };
  }
  const gap = Number((train - test).toFixed(3));
  if (gap > OVERFIT_AUC_GAP) {
    return {
      flagged: true,
      gap,
      message: `Overfitting: train AUC ${train.toFixed(3)} is ${gap.toFixed(3)} above test AUC ${test.toFixed(3)} (${OVERFIT_RULE}). Trust the test figure; stronger regularization (l2), fewer epochs or hidden units, or fewer features should narrow the gap.`,
    };
  }
  return { flagged: false, gap, message: `No sign of overfitting: train AUC ${train.toFixed(3)}, test AUC ${test.toFixed(3)} (${OVERFIT_RULE}).` };
}
