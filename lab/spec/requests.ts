/** JSON Schemas of the enclave's request bodies other than the job spec; validators compiled once. */
import Ajv from 'ajv';
import { FromSchema } from 'json-schema-to-ts';
import { COLUMN_POLICIES, ROLES } from './policy';

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

export type ApproveBody = FromSchema<typeof approveSchema>;
export type RejectBody = FromSchema<typeof rejectSchema>;
export type PolicyBody = FromSchema<typeof policySchema>;
export type PrincipalBody = FromSchema<typeof principalSchema>;

const ajv = new Ajv({ allErrors: true, strict: true });
export const validators = {
  approve: ajv.compile<ApproveBody>(approveSchema),
  reject: ajv.compile<RejectBody>(rejectSchema),
  policy: ajv.compile<PolicyBody>(policySchema),
  principal: ajv.compile<PrincipalBody>(principalSchema),
};
