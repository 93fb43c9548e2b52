/** JSON Schema of a plaintext scoring request (POST /v1/score): whole scores, or the platform part of a joint model's score. */
import Ajv from 'ajv';
import { FromSchema } from 'json-schema-to-ts';

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

export type ScoreRequest = FromSchema<typeof scoreRequestSchema>;

const ajv = new Ajv({ allErrors: true, strict: true });
export const validateScoreRequest = ajv.compile<ScoreRequest>(scoreRequestSchema);
