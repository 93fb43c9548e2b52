/**
 * The model spec a bank submits: one JSON Schema, compiled once; the TypeScript type is derived from
 * it, and the OpenAPI document is generated from it.
 */
import Ajv from 'ajv';
import { FromSchema } from 'json-schema-to-ts';
import { MODEL_KINDS } from '../../models/model';
import { heSchema } from './he-spec';
import { selectionSchema } from './selection-spec';
import { monitorSchema } from './monitor-spec';

/** The HE block without its own $id, embedded in the spec. */
const { $id: _heId, ...HE_BLOCK } = heSchema;
const { $id: _selectionId, ...SELECTION_BLOCK } = selectionSchema;
const { $id: _monitorId, ...MONITOR_BLOCK } = monitorSchema;

const NAME = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } as const;
const COLUMN = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const OUTPUTS = ['parameters', 'metrics', 'curves'] as const;

/**
 * plaintext: trained inside the enclave; he-train: logistic regression on the bank's encrypted labels;
 * he-score: the bank's encrypted model scores consented enterprises; monitor: the stability of a
 * released model between two snapshots of its dataset; network: one province's part of a job
 * submitted to the network hub (enclave/network/), never submitted to an enclave directly.
 */
export const MODES = ['plaintext', 'he-train', 'he-score', 'monitor', 'network'] as const;

export const jobSpecSchema = {
  $id: 'JobSpec',
  title: 'Model spec',
  description: 'A joint (or bank-only) model to train inside the enclave on a bank upload and, optionally, platform columns.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'purpose', 'model'],
  properties: {
    name: { ...NAME, description: 'short name of the job' },
    mode: { type: 'string', enum: MODES, default: 'plaintext', description: 'plaintext needs bank and label; he-train needs bank (ids only) and platform; he-score needs platform; monitor needs monitor (and model.family: the monitored model\'s)' },
    purpose: { type: 'string', minLength: 1, maxLength: 500, description: 'why the bank wants this model; the steward reads it' },
    platform: {
      type: 'object',
      additionalProperties: false,
      required: ['dataset', 'columns'],
      description: 'platform dataset and the columns to join in; leave out for a bank-only model',
      properties: {
        dataset: NAME,
        columns: { type: 'array', items: COLUMN, minItems: 1, maxItems: 500, uniqueItems: true },
      },
    },
    bank: {
      type: 'object',
      additionalProperties: false,
      required: ['upload'],
      properties: {
        upload: { ...NAME, description: "name of the bank's own upload" },
        columns: { type: 'array', items: COLUMN, maxItems: 500, uniqueItems: true, description: "the upload's feature columns to use (default none)" },
      },
    },
    label: { ...COLUMN, description: 'plaintext mode: a 0/1 column of the bank upload (1 = default)' },
    model: {
      type: 'object',
      additionalProperties: false,
      required: ['family'],
      properties: {
        family: { type: 'string', enum: MODEL_KINDS },
        params: { type: 'object', description: "overrides of the family's hyper-parameters", maxProperties: 32 },
      },
    },
    validation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        testFraction: { type: 'number', minimum: 0.05, maximum: 0.5, default: 0.3 },
        seed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 42 },
        splitColumn: { ...COLUMN, description: 'a column of the bank upload holding train/test for each row; replaces testFraction' },
      },
      default: {},
    },
    privacy: {
      type: 'object',
      additionalProperties: false,
      required: ['epsilon'],
      description: "differential privacy for the released weights (logistic regression); epsilon is charged to the bank's budget",
      properties: {
        epsilon: { type: 'number', exclusiveMinimum: 0, maximum: 50 },
        lambda: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.001 },
      },
    },
    he: HE_BLOCK,
    selection: SELECTION_BLOCK,
    monitor: MONITOR_BLOCK,
    outputs: { type: 'array', items: { type: 'string', enum: OUTPUTS }, uniqueItems: true, minItems: 1, default: [...OUTPUTS] },
  },
} as const;

/** Defaulted properties stay optional: the type describes what a bank writes as well as what the validator fills in. */
export type JobSpec = FromSchema<typeof jobSpecSchema, { keepDefaultedPropertiesOptional: true }>;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
export const validateSpec = ajv.compile<JobSpec>(jobSpecSchema);
