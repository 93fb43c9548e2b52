/**
 * The bounded settings of HE jobs: one JSON Schema for the spec's `he` block and one for the model
 * hyper-parameters an HE job may set, compiled once; checked at submission (400) and again at use.
 */
import Ajv from 'ajv';
import { FromSchema } from 'json-schema-to-ts';
import { PARAM_SET_NAMES, ParamSetName } from '../he/params';
import { ProblemsError } from '../errors';
import { problemOf } from './problems';

/**
 * The documented ranges. l2 below the floor leaves H close to singular on few rows; above the ceiling
 * H is about l2·I and a round hands back X^T y itself, the lookup a hostile bank wants. Rounds cap what
 * one key may decrypt and fix the differential-privacy composition; epsilon is that composition's total.
 */
export const HE_BOUNDS = {
  l2: { min: 1e-3, max: 100, default: 1 },
  rounds: { min: 2, max: 30, default: 10 },
  epsilon: { min: 0.5, max: 10, default: 2 },
} as const;

export const heSchema = {
  $id: 'HeSettings',
  type: 'object',
  additionalProperties: false,
  description: 'HE jobs: the CKKS parameter set the bank must use and, for encrypted-label training, the rounds it may decrypt and the differential privacy of those rounds',
  properties: {
    paramSet: { type: 'string', enum: PARAM_SET_NAMES, description: 'CKKS parameter set the session must use (default: any named set, the bank chooses)' },
    rounds: { type: 'integer', minimum: HE_BOUNDS.rounds.min, maximum: HE_BOUNDS.rounds.max, default: HE_BOUNDS.rounds.default, description: 'he-train: decrypted Newton rounds the session allows' },
    epsilon: {
      type: 'number',
      minimum: HE_BOUNDS.epsilon.min,
      maximum: HE_BOUNDS.epsilon.max,
      default: HE_BOUNDS.epsilon.default,
      description: "he-train: total differential-privacy epsilon of the session's rounds (delta 1e-6), charged to the bank's budget",
    },
  },
} as const;

/** What an he-train job may set in `model.params`; he-score jobs set nothing (the model is the bank's own). */
export const heTrainParamsSchema = {
  $id: 'HeTrainParams',
  type: 'object',
  additionalProperties: false,
  properties: {
    l2: { type: 'number', minimum: HE_BOUNDS.l2.min, maximum: HE_BOUNDS.l2.max, default: HE_BOUNDS.l2.default, description: 'L2 penalty of the logistic regression' },
  },
} as const;

const heScoreParamsSchema = { $id: 'HeScoreParams', type: 'object', additionalProperties: false, properties: {} } as const;

export type HeBlock = FromSchema<typeof heSchema>;

/** Every HE setting of a job, resolved with its defaults. */
export interface HeSettingsOfJob {
  /** The set the session must use; undefined lets the bank choose among the named sets. */
  paramSet: ParamSetName | undefined;
  rounds: number;
  epsilon: number;
  l2: number;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
const validateHe = ajv.compile<HeBlock>(heSchema);
const validateTrainParams = ajv.compile<{ l2?: number }>(heTrainParamsSchema);
const validateScoreParams = ajv.compile<Record<string, never>>(heScoreParamsSchema);

interface HeSpecPart {
  mode?: string;
  he?: unknown;
  model: { params?: unknown };
}

/**
 * The HE settings of a spec, checked against the documented ranges: a 400 with pointers when one is
 * out of range. Called at submission and again wherever a setting is used, so a spec stored before a
 * bound existed cannot carry an unbounded value into a session.
 */
export function assertHeSettings(spec: HeSpecPart): HeSettingsOfJob {
  const he = structuredClone(spec.he ?? {});
  const params = structuredClone(spec.model.params ?? {});
  const problems = [];
  if (!validateHe(he)) problems.push(...(validateHe.errors ?? []).map(problemOf).map((p) => ({ ...p, pointer: `/he${p.pointer === '/' ? '' : p.pointer}` })));
  const checkParams = spec.mode === 'he-train' ? validateTrainParams : validateScoreParams;
  if (!checkParams(params)) problems.push(...(checkParams.errors ?? []).map(problemOf).map((p) => ({ ...p, pointer: `/model/params${p.pointer === '/' ? '' : p.pointer}` })));
  if (problems.length) throw new ProblemsError('schema_violation', 'the HE settings are outside their documented ranges', problems);
  const block = he as HeBlock & { rounds: number; epsilon: number };
  return { paramSet: block.paramSet as ParamSetName | undefined, rounds: block.rounds, epsilon: block.epsilon, l2: (params as { l2?: number }).l2 ?? HE_BOUNDS.l2.default };
}
