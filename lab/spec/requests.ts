/** JSON Schemas of the enclave's request bodies other than the job spec; validators compiled once. */
import Ajv from 'ajv';
import { FromSchema } from 'json-schema-to-ts';
import { PARAM_SET_NAMES } from '../he/params';
import { COLUMN_POLICIES, PURPOSES, ROLES } from './policy';

const COLUMNS = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 128 }, maxItems: 500, uniqueItems: true } as const;

export const approveSchema = {
  $id: 'Approve',
  type: 'object',
  additionalProperties: false,
  properties: { allowSensitive: { ...COLUMNS, description: 'sensitive columns the steward allows for this job; every one the spec asks for must be listed' } },
} as const;

export const rejectSchema = {
  $id: 'Reject',
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
} as const;

export const policySchema = {
  $id: 'Policy',
  type: 'object',
  additionalProperties: false,
  properties: {
    k: { type: 'integer', minimum: 2, maximum: 10000, description: 'minimum rows behind every released figure' },
    requireTrainingConsent: { type: 'boolean', description: "joint training uses only the bank's customers that granted it a training consent" },
    columns: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(COLUMN_POLICIES.filter((p) => p !== 'id').map((p) => [p, COLUMNS])) as Record<'feature' | 'sensitive' | 'forbidden' | 'label', typeof COLUMNS>,
    },
  },
} as const;

export const principalSchema = {
  $id: 'NewPrincipal',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role', 'org'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 },
    role: { type: 'string', enum: ROLES },
    org: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

/** An enterprise id as a bank names it in a request: the bank's own words, at most 64 characters. */
const ENTERPRISE_IDS = { type: 'array', items: { type: 'string', maxLength: 64 }, description: 'enterprise ids' } as const;

/** Plaintext scoring (POST /v1/score): whole scores, or the platform part of a joint model's score. */
export const SCORE_PARTS = ['full', 'platform'] as const;

export const scoreRequestSchema = {
  $id: 'PlainScore',
  type: 'object',
  additionalProperties: false,
  required: ['job', 'ids'],
  properties: {
    job: { type: 'string', minLength: 1, maxLength: 64 },
    ids: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1, maxLength: 64 }, description: 'enterprise ids; those without a scoring consent for the bank are refused by id' },
    part: {
      type: 'string',
      enum: SCORE_PARTS,
      description: 'full (default): whole scores of a platform-only model; platform: the platform features\' part of a joint logistic regression or scorecard (log-odds or points, without intercept or base points), to which the bank adds its own part',
    },
  },
} as const;

export const revokeSchema = {
  $id: 'Revoke',
  type: 'object',
  additionalProperties: false,
  required: ['enterprise', 'bank'],
  properties: {
    enterprise: { type: 'string', minLength: 1, maxLength: 64 },
    bank: { type: 'string', minLength: 1, maxLength: 64 },
    purpose: { type: 'string', enum: PURPOSES, description: 'one purpose; all of them when left out' },
  },
} as const;

/** The documented range of each scoring-policy setting (what each one protects: enclave/release/scoring-policy.ts). */
export const scoringPolicySchema = {
  $id: 'ScoringPolicy',
  type: 'object',
  additionalProperties: false,
  properties: {
    modelsPerWindow: { type: 'integer', minimum: 1, maximum: 100, description: 'distinct models that may score one enterprise for one bank within the window' },
    windowDays: { type: 'integer', minimum: 1, maximum: 3650 },
    noiseSwap: { type: 'number', minimum: 0, maximum: 0.9, description: "probability that a platform value is replaced by another enterprise's value of the same column" },
    noiseSd: { type: 'number', minimum: 0, maximum: 5, description: 'Gaussian noise on each standardized numeric platform value, in standard deviations' },
  },
} as const;

/** The envelope header that opens an HE session (its blobs: the public key, then the Galois keys). */
export const heSessionSchema = {
  $id: 'HeSession',
  type: 'object',
  additionalProperties: false,
  required: ['job', 'paramSet'],
  properties: {
    job: { type: 'string', minLength: 1, maxLength: 128 },
    paramSet: { type: 'string', enum: PARAM_SET_NAMES },
    sha256: { type: 'array', items: { type: 'string' }, description: "the blobs' digests, which the envelope itself checks (lab/he/frames.ts)" },
    packed: { type: 'boolean', description: 'the blobs are bit-packed SEAL objects (lab/he/seal-pack.ts), which the envelope unpacks' },
  },
} as const;

export const heRoundSchema = {
  $id: 'Round',
  type: 'object',
  additionalProperties: false,
  required: ['weights'],
  properties: {
    weights: { type: 'array', items: { type: 'number' }, maxItems: 65536, description: "the design's columns, the intercept last" },
    average: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      description: 'answer k rounds at these weights as one, with the noise of their average, charged k rounds (a refusal for precision is charged one); default 1',
    },
  },
} as const;

export const heScoreSchema = {
  $id: 'ScoreRequest',
  type: 'object',
  additionalProperties: false,
  required: ['ids'],
  properties: { ids: ENTERPRISE_IDS },
} as const;

export type ApproveBody = FromSchema<typeof approveSchema>;
export type RejectBody = FromSchema<typeof rejectSchema>;
export type PolicyBody = FromSchema<typeof policySchema>;
export type PrincipalBody = FromSchema<typeof principalSchema>;
export type ScoreRequest = FromSchema<typeof scoreRequestSchema>;
export type RevokeBody = FromSchema<typeof revokeSchema>;
export type ScoringPolicyBody = FromSchema<typeof scoringPolicySchema>;
export type HeSessionBody = FromSchema<typeof heSessionSchema>;
export type HeRoundBody = FromSchema<typeof heRoundSchema>;
export type HeScoreBody = FromSchema<typeof heScoreSchema>;

const ajv = new Ajv({ allErrors: true, strict: true });
export const validators = {
  approve: ajv.compile<ApproveBody>(approveSchema),
  reject: ajv.compile<RejectBody>(rejectSchema),
  policy: ajv.compile<PolicyBody>(policySchema),
  principal: ajv.compile<PrincipalBody>(principalSchema),
  score: ajv.compile<ScoreRequest>(scoreRequestSchema),
  revoke: ajv.compile<RevokeBody>(revokeSchema),
  scoringPolicy: ajv.compile<ScoringPolicyBody>(scoringPolicySchema),
  heSession: ajv.compile<HeSessionBody>(heSessionSchema),
  heRound: ajv.compile<HeRoundBody>(heRoundSchema),
  heScore: ajv.compile<HeScoreBody>(heScoreSchema),
};
