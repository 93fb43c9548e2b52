/** The JSON Schema of the request that opens a PSI session; validator compiled once. */
import Ajv from 'ajv';
import { FromSchema } from 'json-schema-to-ts';

export const psiOpenSchema = {
  $id: 'PsiOpen',
  type: 'object',
  additionalProperties: false,
  required: ['dataset', 'points'],
  properties: {
    dataset: { type: 'string', minLength: 1, maxLength: 64, description: 'the platform dataset to align with' },
    points: { type: 'integer', minimum: 1, maximum: 100_000_000, description: "how many ids the bank will send (its file's rows); charged to its daily PSI budget" },
  },
} as const;

export type PsiOpenBody = FromSchema<typeof psiOpenSchema>;

export const validatePsiOpen = new Ajv({ allErrors: true, strict: true }).compile<PsiOpenBody>(psiOpenSchema);
