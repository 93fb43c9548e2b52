/** Assembles a job's training table inside the enclave: the bank's upload joined to the platform columns the spec names. */
import { frameOf, labelsOf, splitOf } from '../../lab/data/columns';
import { cellTable } from '../../lab/data/join';
import { JointlabError } from '../../lab/errors';
import { JobSpec } from '../../lab/spec/job-spec';
import { Encoder } from '../../models/encoding';
import { Frame } from '../../models/frame';
import { PopulationPrint, digestOf, fingerprintIds, withRoles } from '../release/differencing';
import { ColumnSummary, PopulationNoise, flagColumnsOf, keyedNoise, populationSecret, referenceEncoderOf, summarizeColumn } from '../release/population';
import { datasetVersion } from '../data/datasets';
import { PlatformColumns, withPlatformColumns } from '../data/platform-columns';
import { checkConsent } from '../data/consents';
import { uploadByName } from '../data/uploads';
import type { UploadMeta } from '../../lab/api/uploads';
import { Db } from '../store/db';

export interface TrainingTable {
  frame: Frame;
  labels: Uint8Array;
  /** Rows marked train/test by the spec's split column, when it names one. */
  split?: { train: Int32Array; test: Int32Array };
  /** The dataset's k, which the release check applies. */
  k: number;
  /** The standardization the model is fitted with: from the whole upload and platform table, not from who joined. */
  encoder: Encoder;
  /** Numeric columns that are 0/1 flags across their whole source (release/population.ts flagColumns). */
  flags: string[];
  /** Noise keyed to this request and population, for every figure released about it. */
  noise: PopulationNoise;
  /** The platform dataset's snapshot the rows come from (the latest at load time). */
  snapshot?: number;
  /** What the differencing control compares (jobs that read platform data), once the training rows are chosen. */
  print?: (train: ArrayLike<number>) => Promise<PopulationPrint>;
}

/**
 * A digest of the bank's request for noise keys: the upload's rows and the dataset's import (a
 * policy change is not a new request; a re-import is).
 */
export function requestDigest(uploadRows: { entity_id: string; cells: string }[], datasetVersion: string): string {
  return digestOf([datasetVersion, ...uploadRows.flatMap((r) => [r.entity_id, r.cells])]);
}

export async function loadTrainingTable(db: Db, spec: JobSpec, org: string, defaultK: number): Promise<TrainingTable> {
  const upload = await uploadByName(db, org, spec.bank!.upload);
  if (!upload) throw new JointlabError('not_found', `upload "${spec.bank!.upload}" no longer exists`, 'not_found');
  const uploadRows = await db.all<{ entity_id: string; cells: string }>('SELECT entity_id, cells FROM upload_rows WHERE upload = ? ORDER BY row', [upload.id]);
  if (!spec.platform) return assemble(db, spec, org, defaultK, upload, uploadRows);
  const labelInUpload = upload.columns.some((c) => c.name === spec.label!);
  const columns = [...(spec.platform.columns ?? []), ...(labelInUpload ? [] : [spec.label!])];
  // The platform's columns for the upload's enterprises, from one snapshot, on the enclave's engine (data/platform-columns.ts).
  return withPlatformColumns(db, spec.platform.dataset, columns, uploadRows.map((r) => r.entity_id), (platform) => assemble(db, spec, org, defaultK, upload, uploadRows, platform));
}

async function assemble(
  db: Db,
  spec: JobSpec,
  org: string,
  defaultK: number,
  upload: UploadMeta,
  uploadRows: { entity_id: string; cells: string }[],
  platform?: PlatformColumns,
): Promise<TrainingTable> {
  const bank = spec.bank!;
  const label = spec.label!;
  const bankColumns = bank.columns ?? [];
  const platformColumns = spec.platform?.columns ?? [];
  const labelInUpload = upload.columns.some((c) => c.name === label);
  const splitColumn = spec.validation?.splitColumn;
  const uploadWanted = [...bankColumns, ...(labelInUpload ? [label] : []), ...(splitColumn ? [splitColumn] : [])];
  const uploadPositions = uploadWanted.map((name) => upload.columns.findIndex((c) => c.name === name));

  const ids: string[] = [];
  const cells = new Map<string, string[]>([...uploadWanted, ...platformColumns, ...(labelInUpload ? [] : [label])].map((n) => [n, []]));
  let rows = uploadRows;
  if (platform?.meta.requireTrainingConsent) {
    // The steward's policy: only customers who authorized this bank to train on their records take part.
    const { allowed } = await checkConsent(db, org, 'training', rows.map((r) => r.entity_id));
    const consented = new Set(allowed);
    rows = rows.filter((r) => consented.has(r.entity_id));
  }
  for (const r of rows) {
    const fromPlatform = platform?.byId.get(r.entity_id);
    if (platform && !fromPlatform) continue;
    ids.push(r.entity_id);
    const uploadCells = JSON.parse(r.cells) as string[];
    uploadWanted.forEach((name, k) => cells.get(name)!.push(uploadCells[uploadPositions[k]]));
    if (fromPlatform) {
      [...platformColumns, ...(labelInUpload ? [] : [label])].forEach((name, k) => cells.get(name)!.push(fromPlatform[k]));
    }
  }
  const joined = cellTable(cells, ids);
  const categorical = new Set<string>([
    ...upload.columns.filter((c) => c.type === 'categorical').map((c) => c.name),
    ...platformColumns.filter((_, j) => platform?.types[j] === 'categorical'),
  ]);
  try {
    const frame = frameOf(joined, [...bankColumns, ...platformColumns], categorical);
    const k = platform?.meta.k ?? defaultK;
    // Sources of the standardization: every row of the upload for the bank's columns, every platform
    // row for the platform's (summarized by the platform's engine), each as the frame typed it.
    const uploadCells = uploadRows.map((r) => JSON.parse(r.cells) as string[]);
    const bankSummaries = frame.columns.slice(0, bankColumns.length).map((c) => {
      const at = upload.columns.findIndex((u) => u.name === c.name);
      return summarizeColumn({ name: c.name, kind: c.kind, cells: uploadCells.map((r) => r[at]) });
    });
    const platformSummaries = platform ? await platform.summaries(frame.columns.slice(bankColumns.length).map((c) => ({ name: c.name, kind: c.kind }))) : [];
    const summaries: ColumnSummary[] = [...bankSummaries, ...platformSummaries];
    const secret = await populationSecret(db);
    // The request: the upload's content and the dataset's version (the same upload under a new spec is
    // the same request). The noise key adds what decides the training rows and labels.
    const request = requestDigest(uploadRows, spec.platform ? await datasetVersion(db, platform!.meta) : '-');
    const ids = await fingerprintIds(secret, joined.ids);
    const uploaded = await fingerprintIds(secret, uploadRows.map((r) => r.entity_id));
    return {
      frame,
      labels: labelsOf(joined, label),
      ...(splitColumn ? { split: splitOf(joined, splitColumn) } : {}),
      k,
      encoder: await referenceEncoderOf(summaries, k),
      flags: flagColumnsOf(summaries),
      noise: keyedNoise(secret, digestOf([request, ids.toString('base64'), label, JSON.stringify(spec.validation ?? {})])),
      ...(platform ? { snapshot: platform.meta.snapshot } : {}),
      ...(spec.platform
        ? { print: async (train: ArrayLike<number>) => ({ org, dataset: spec.platform!.dataset, columns: platformColumns, uploaded, ids: await fingerprintIds(secret, withRoles(joined.ids, train)) }) }
        : {}),
    };
  } catch (e) {
    // Row positions in the joined table would tell which of the bank's ids the platform holds: drop them.
    if (e instanceof JointlabError && e.code === 'bad_label') throw new JointlabError('bad_label', `label column "${label}" must hold 0 or 1 on every joined row`);
    if (e instanceof JointlabError && e.code === 'bad_split_value') throw new JointlabError('bad_split_value', `split column "${splitColumn}" must hold train or test on every joined row`);
    throw e;
  }
}
