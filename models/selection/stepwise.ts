/**
 * Forward and stepwise selection over feature blocks (the design columns of one feature each), by AIC
 * on the fit rows or by AUC on a seeded validation slice of them. Every accepted move strictly
 * improves the criterion, so the search ends; ties go to the earlier feature, so the path is a
 * function of the data and the seed alone.
 */
import { fitLogistic, predictLogistic } from '../logistic-core';
import { auc } from '../metrics';
import { stratifiedSplit } from '../split';
import { SelectionOptions, SelectionStep } from './path';

export interface FeatureBlock {
  name: string;
  columns: Float64Array[];
}

export interface SearchOptions extends Pick<SelectionOptions, 'criterion' | 'maxFeatures' | 'validationFraction'> {
  method: 'forward' | 'stepwise';
  l2: number;
  seed: number;
}

/** An added feature must lift validation AUC by at least this much: smaller gains are within the slice's noise. */
export const MIN_AUC_GAIN = 0.001;

/** log L of 0/1 labels under the fitted probabilities, finite even when a probability rounds to 0 or 1. */
function logLikelihood(y: ArrayLike<number>, p: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += Math.log(Math.max(y[i] ? p[i] : 1 - p[i], 1e-300));
  return sum;
}

function take(column: Float64Array, rows: Int32Array): Float64Array {
  return Float64Array.from(rows, (i) => column[i]);
}

/** The criterion of the model on a set of blocks (indices, sorted); lower is better for AIC, higher for AUC. */
function criterionOf(blocks: readonly FeatureBlock[], labels: Uint8Array, options: SearchOptions): { score: (set: readonly number[]) => number; validation?: { positive: number; negative: number } } {
  const cache = new Map<string, number>();
  let validation: { positive: number; negative: number } | undefined;
  let evaluate: (set: readonly number[]) => number;
  if (options.criterion === 'aic') {
    evaluate = (set) => {
      const columns = set.flatMap((j) => blocks[j].columns);
      const fit = fitLogistic(columns, labels, labels.length, { l2: options.l2, maxIterations: 50 });
      const p = predictLogistic(columns, labels.length, fit.weights, fit.intercept);
      return 2 * (columns.length + 1) - 2 * logLikelihood(labels, p);
    };
  } else {
    const { rest, held } = stratifiedSplit(labels, options.validationFraction, options.seed);
    const fitLabels = Uint8Array.from(rest, (i) => labels[i]);
    const heldLabels = Uint8Array.from(held, (i) => labels[i]);
    const positive = heldLabels.reduce((a, y) => a + y, 0);
    validation = { positive, negative: heldLabels.length - positive };
    const fitBlocks = blocks.map((b) => b.columns.map((c) => take(c, rest)));
    const heldBlocks = blocks.map((b) => b.columns.map((c) => take(c, held)));
    evaluate = (set) => {
      // The intercept-only model ranks nobody: AUC 0.5.
      if (set.length === 0) return 0.5;
      const fit = fitLogistic(set.flatMap((j) => fitBlocks[j]), fitLabels, fitLabels.length, { l2: options.l2, maxIterations: 50 });
      return auc(heldLabels, predictLogistic(set.flatMap((j) => heldBlocks[j]), heldLabels.length, fit.weights, fit.intercept));
    };
  }
  const score = (set: readonly number[]): number => {
    const sorted = [...set].sort((a, b) => a - b);
    const key = sorted.join(',');
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = evaluate(sorted)));
    return value;
  };
  return { score, ...(validation ? { validation } : {}) };
}

/** Runs the search; `firstStep` numbers the path after any filter steps. */
export function searchFeatures(
  blocks: readonly FeatureBlock[],
  labels: Uint8Array,
  options: SearchOptions,
  firstStep = 1,
): { chosen: number[]; path: SelectionStep[]; start: number; validation?: { positive: number; negative: number } } {
  const { score, validation } = criterionOf(blocks, labels, options);
  const metric = options.criterion;
  // Strictly better, by the margin the criterion needs: any fall in AIC, a real rise in AUC.
  const improves = (candidate: number, current: number): boolean => (metric === 'aic' ? candidate < current - 1e-9 : candidate >= current + MIN_AUC_GAIN);
  const better = (a: number, b: number): boolean => (metric === 'aic' ? a < b : a > b);
  const chosen: number[] = [];
  const path: SelectionStep[] = [];
  let step = firstStep;
  const start = score([]);
  let current = start;
  // Strict improvement already rules out cycles; the cap is a second guard.
  for (let moves = 0; moves < 4 * blocks.length + 4 && chosen.length < options.maxFeatures; moves++) {
    let best: { j: number; value: number } | undefined;
    for (let j = 0; j < blocks.length; j++) {
      if (chosen.includes(j)) continue;
      const value = score([...chosen, j]);
      if (!best || better(value, best.value)) best = { j, value };
    }
    if (!best || !improves(best.value, current)) break;
    chosen.push(best.j);
    current = best.value;
    path.push({ step: step++, action: 'add', feature: blocks[best.j].name, metric, value: best.value });
    if (options.method !== 'stepwise') continue;
    // Stepwise: after each addition, drop whichever earlier feature the model is now better without.
    for (;;) {
      let drop: { at: number; value: number } | undefined;
      for (let at = 0; at < chosen.length - 1; at++) {
        const value = score(chosen.filter((_, i) => i !== at));
        if (!drop || better(value, drop.value)) drop = { at, value };
      }
      if (!drop || !improves(drop.value, current)) break;
      const [gone] = chosen.splice(drop.at, 1);
      current = drop.value;
      path.push({ step: step++, action: 'drop', feature: blocks[gone].name, metric, value: drop.value });
    }
  }
  return { chosen, path, start, ...(validation ? { validation } : {}) };
}
