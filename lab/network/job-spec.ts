/**
 * The network job a bank submits to the hub: one logistic regression across provinces on securely
 * summed statistics. One JSON Schema, compiled once, the type derived from it.
 */
import Ajv from 'ajv';
import { FromSchema } from 'json-schema-to-ts';

const NAME = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } as const;
const COLUMN = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const networkJobSpecSchema = {
  $id: 'NetworkJobSpec',
  title: 'Network job',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'purpose', 'provinces', 'platform', 'bank', 'label'],
  properties: {
    name: NAME,
    purpose: { type: 'string', minLength: 1, maxLength: 500 },
    provinces: { type: 'array', items: { type: 'string', pattern: '^[0-9]{2}$' }, minItems: 2, maxItems: 34, uniqueItems: true, description: 'the member provinces to train across (at least two, so that no province’s statistic is the sum)' },
    platform: {
      type: 'object',
      additionalProperties: false,
      required: ['dataset', 'columns'],
      properties: { dataset: NAME, columns: { type: 'array', items: COLUMN, minItems: 1, maxItems: 100, uniqueItems: true } },
    },
    bank: {
      type: 'object',
      additionalProperties: false,
      required: ['upload'],
      properties: {
        upload: { ...NAME, description: "the bank's upload of the same name in every province's enclave" },
        columns: { type: 'array', items: COLUMN, maxItems: 50, uniqueItems: true, description: 'numeric columns of the upload to use as features (default none)' },
      },
    },
    label: { ...COLUMN, description: 'a 0/1 column of the bank upload' },
    model: {
      type: 'object',
      additionalProperties: false,
      required: ['family'],
      properties: {
        family: { type: 'string', enum: ['lr', 'scorecard'], description: 'lr: logistic regression on standardized columns; scorecard: WOE bins on network-agreed edges, then logistic regression on WOE' },
        params: { type: 'object', additionalProperties: false, properties: { l2: { type: 'number', exclusiveMinimum: 0, maximum: 1e6, default: 1 } } },
      },
      default: { family: 'lr' },
    },
    validation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        testFraction: { type: 'number', minimum: 0.05, maximum: 0.5, default: 0.3 },
        seed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 42 },
      },
      default: {},
    },
  },
} as const;

export type NetworkJobSpec = FromSchema<typeof networkJobSpecSchema, { keepDefaultedPropertiesOptional: true }>;

export const validateNetworkJobSpec = new Ajv({ allErrors: true, useDefaults: true, strict: true }).compile<NetworkJobSpec>(networkJobSpecSchema);

export interface ResolvedNetworkSpec {
  spec: NetworkJobSpec;
  l2: number;
  testFraction: number;
  seed: number;
}

export function resolveNetworkSpec(spec: NetworkJobSpec): ResolvedNetworkSpec {
  return { spec, l2: spec.model?.params?.l2 ?? 1, testFraction: spec.validation?.testFraction ?? 0.3, seed: spec.validation?.seed ?? 42 };
}
