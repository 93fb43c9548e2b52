/** The spec's `selection` block: its JSON Schema, the options it resolves to, and where it may be used. */
import Ajv from 'ajv';
import { FromSchema } from 'json-schema-to-ts';
import { SELECTION_CRITERIA, SELECTION_DEFAULTS, SELECTION_METHODS, SelectionOptions } from '../../models/selection/path';
import { Problem, ProblemsError } from '../errors';
import { problemOf } from './problems';

export const selectionSchema = {
  $id: 'Selection',
  type: 'object',
  additionalProperties: false,
  description:
    'feature selection before the fit (plaintext "lr" and "scorecard", not under differential privacy): IV filter, correlation and VIF pruning, then forward or stepwise search; the release carries the path',
  properties: {
    ivMin: { type: 'number', minimum: 0, maximum: 2, description: 'drop features whose information value (scorecard WOE binning, bins of at least k rows) is below this; 0.02 is the usual "useless" line' },
    maxCorrelation: { type: 'number', minimum: 0.1, maximum: 1, description: 'of two features correlating above this (absolute), drop the one with the lower IV' },
    maxVif: { type: 'number', minimum: 1, maximum: 1000, description: 'drop the feature with the highest variance inflation factor until none is above this' },
    method: { type: 'string', enum: SELECTION_METHODS, default: SELECTION_DEFAULTS.method, description: 'none: filters only; forward: add the best feature while the criterion improves; stepwise: forward, and after each addition drop a feature the model is better without' },
    criterion: { type: 'string', enum: SELECTION_CRITERIA, default: SELECTION_DEFAULTS.criterion, description: 'aic: 2k - 2 log L on the training rows; auc: AUC on a validation slice of the training rows (never the test rows)' },
    maxFeatures: { type: 'integer', minimum: 1, maximum: 100, default: SELECTION_DEFAULTS.maxFeatures, description: 'forward and stepwise stop at this many features' },
    validationFraction: { type: 'number', minimum: 0.1, maximum: 0.5, default: SELECTION_DEFAULTS.validationFraction, description: 'criterion auc: share of the training rows in the validation slice' },
  },
} as const;

export type SelectionSpec = FromSchema<typeof selectionSchema, { keepDefaultedPropertiesOptional: true }>;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
const validateSelection = ajv.compile<SelectionSpec>(selectionSchema);

/** The block as the selection code takes it: every option present, absent filters off. */
export function selectionOptions(spec: SelectionSpec): SelectionOptions {
  return {
    ivMin: spec.ivMin ?? SELECTION_DEFAULTS.ivMin,
    maxCorrelation: spec.maxCorrelation ?? SELECTION_DEFAULTS.maxCorrelation,
    maxVif: spec.maxVif ?? SELECTION_DEFAULTS.maxVif,
    method: spec.method ?? SELECTION_DEFAULTS.method,
    criterion: spec.criterion ?? SELECTION_DEFAULTS.criterion,
    maxFeatures: spec.maxFeatures ?? SELECTION_DEFAULTS.maxFeatures,
    validationFraction: spec.validationFraction ?? SELECTION_DEFAULTS.validationFraction,
  };
}

/** Checks a block built outside a spec (the local CLI's flags) against the same schema; a usage error naming the option otherwise. */
export function assertSelection(block: unknown): SelectionOptions {
  const copy = structuredClone(block);
  if (validateSelection(copy)) return selectionOptions(copy);
  const problems = (validateSelection.errors ?? []).map(problemOf);
  throw new ProblemsError('bad_selection', `the feature selection options are out of bounds:\n${problems.map((p) => `  ${p.pointer.slice(1)}: ${p.message}`).join('\n')}`, problems, 'usage');
}

/**
 * Where selection may run: plaintext logistic regression and scorecards. Under differential privacy it
 * would look at the labels again and again outside the mechanism, which no epsilon accounts for.
 */
export function selectionProblems(spec: { selection?: unknown; mode?: string; privacy?: unknown; model: { family: string } }): Problem[] {
  if (!spec.selection) return [];
  if ((spec.mode ?? 'plaintext') !== 'plaintext') return [{ pointer: '/selection', message: 'feature selection runs in plaintext training only' }];
  if (spec.privacy) return [{ pointer: '/selection', message: 'feature selection is refused under differential privacy: it would use the labels outside the accounted mechanism' }];
  if (spec.model.family !== 'lr' && spec.model.family !== 'scorecard') return [{ pointer: '/selection', message: `feature selection applies to "lr" and "scorecard", not "${spec.model.family}"` }];
  return [];
}
