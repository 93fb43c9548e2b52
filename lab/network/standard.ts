/**
 * The network standard: one JSON file of column names, types, units and meanings that every member
 * enclave's datasets follow (the plan's "unified standards for connecting"), so that statistics
 * summed across provinces add up like columns of one table.
 */
import Ajv from 'ajv';
import { FromSchema } from 'json-schema-to-ts';
import { assertValid } from '../spec/problems';

const NAME = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' } as const;

export const networkStandardSchema = {
  $id: 'NetworkStandard',
  title: 'Network standard',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'version', 'idColumn', 'columns'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 },
    version: { type: 'string', minLength: 1, maxLength: 32 },
    idColumn: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'meaning'],
      properties: { name: NAME, meaning: { type: 'string', maxLength: 500 } },
      description: 'the id column holds USCCs (GB 32100-2015) of enterprises registered in the enclave’s province',
    },
    columns: {
      type: 'array',
      minItems: 1,
      maxItems: 500,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type', 'meaning'],
        properties: {
          name: NAME,
          type: { type: 'string', enum: ['numeric', 'categorical'] },
          unit: { type: 'string', maxLength: 64, description: 'numeric columns: the unit every member uses (e.g. 10k CNY, kWh, months)' },
          meaning: { type: 'string', minLength: 1, maxLength: 500 },
          levels: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, minItems: 1, maxItems: 64, uniqueItems: true, description: 'categorical columns: the agreed levels, in order' },
        },
      },
    },
  },
} as const;

export type NetworkStandard = FromSchema<typeof networkStandardSchema>;
export type StandardColumn = NetworkStandard['columns'][number];

const validate = new Ajv({ allErrors: true, strict: true }).compile<NetworkStandard>(networkStandardSchema);

/** A standard read from a file or a request: schema problems answer 400 with their pointers. */
export function assertNetworkStandard(value: unknown): NetworkStandard {
  return assertValid(validate, value, 'network standard');
}
