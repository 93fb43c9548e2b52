/**
 * The parts every PMML document of jointlab shares: header, data dictionary and mining schema with
 * jointlab's missing-value spellings, number and string-array writing, the names of derived fields.
 */
import { ModelFile } from '../../models/model';
import { MISSING_TOKENS } from '../data/columns';
import { JointlabError } from '../errors';
import { escapeXml } from '../text';

export interface PmmlOptions {
  /** Name of the target field (the label the model predicts). */
  target: string;
  modelName: string;
  /** Application version written in the header. */
  version: string;
  /** Reason codes a scorecard returns per row. */
  reasonCodes?: number;
}

export const n = (x: number): string => {
  if (!Number.isFinite(x)) throw new JointlabError('not_exportable', 'the model holds a value that is not a finite number', 'validation');
  return String(x);
};

/** Names of the fields this export derives, chosen so they cannot be mistaken for a data column of the same name. */
export const derivedName = {
  standardized: (name: string): string => `${name}#standardized`,
  missing: (name: string): string => `${name}#missing`,
  level: (name: string): string => `${name}#level`,
};

export function header(options: PmmlOptions, description: string): string[] {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">',
    `  <Header description="${escapeXml(description)}"><Application name="jointlab" version="${escapeXml(options.version)}"/></Header>`,
  ];
}

/**
 * The cells jointlab reads as "no value" in a category column, in the spellings a CSV export is
 * likely to carry: PMML compares values exactly, so each spelling is declared missing on every
 * categorical field. Words such as "none" are categories there (collateral "none"), so they are not
 * declared; in numeric fields they are invalid numbers, which `invalidValueTreatment="asMissing"` reads
 * as missing, as jointlab does.
 */
const MISSING_SPELLINGS = [...new Set(MISSING_TOKENS.filter(Boolean).flatMap((t) => [t, t.toUpperCase(), t[0].toUpperCase() + t.slice(1)]))];
const missingValues = MISSING_SPELLINGS.map((v) => `<Value value="${escapeXml(v)}" property="missing"/>`).join('');

/** The input field of a split export that carries the platform part the enclave returns (log-odds or points). */
export const PLATFORM_PART_FIELD = 'platform_part';

export function dataDictionary(features: ModelFile['features'], target?: string, extra: string[] = []): string[] {
  const fields = features.map((f) =>
    f.kind === 'numeric'
      ? `    <DataField name="${escapeXml(f.name)}" optype="continuous" dataType="double"/>`
      : `    <DataField name="${escapeXml(f.name)}" optype="categorical" dataType="string">${missingValues}</DataField>`,
  );
  for (const name of extra) fields.push(`    <DataField name="${escapeXml(name)}" optype="continuous" dataType="double"/>`);
  if (target) fields.push(`    <DataField name="${escapeXml(target)}" optype="categorical" dataType="integer"><Value value="0"/><Value value="1"/></DataField>`);
  return [`  <DataDictionary numberOfFields="${fields.length}">`, ...fields, '  </DataDictionary>'];
}

export function miningSchema(features: ModelFile['features'], target?: string, extra: string[] = []): string[] {
  return [
    '    <MiningSchema>',
    // A numeric cell that is not a number (such as "NA") is missing, as it is when jointlab reads a CSV.
    ...features.map((f) => `      <MiningField name="${escapeXml(f.name)}"${f.kind === 'numeric' ? ' invalidValueTreatment="asMissing"' : ''}/>`),
    // The platform part has no missing value: without it the applicant has no score.
    ...extra.map((name) => `      <MiningField name="${escapeXml(name)}" usageType="active" missingValueTreatment="returnInvalid"/>`),
    ...(target ? [`      <MiningField name="${escapeXml(target)}" usageType="target"/>`] : []),
    '    </MiningSchema>',
  ];
}

/** PMML's string arrays quote entries and escape quotes inside them with a backslash. */
export const stringArray = (values: string[]): string => `<Array type="string" n="${values.length}">${values.map((v) => escapeXml(`"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(' ')}</Array>`;
