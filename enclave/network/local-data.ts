/**
 * One province's rows of a network job: the bank's upload in this enclave joined to the platform's
 * enterprises (so only the bank's customers registered in this province), training consent where the
 * steward requires it, split into train and test by each id (lab/network/split.ts).
 */
import { frameOf, labelsOf } from '../../lab/data/columns';
import { cellTable } from '../../lab/data/join';
import { JointlabError } from '../../lab/errors';
import type { JobSpec } from '../../lab/spec/job-spec';
import type { Layout } from '../../lab/network/layout';
import type { LocalData, LocalPart } from '../../lab/network/statistics';
import { isTestRow } from '../../lab/network/split';
import { takeLabels, takeRows } from '../../models/frame';
import { withPlatformColumns } from '../data/platform-columns';
import { checkConsent } from '../data/consents';
import { uploadByName } from '../data/uploads';
import type { UploadMeta } from '../../lab/api/uploads';
import { Db } from '../store/db';
import { PopulationPrint, digestOf, fingerprintIds, withRoles } from '../release/differencing';
import { PopulationNoise, keyedNoise, populationSecret } from '../release/population';
import { datasetVersion } from '../data/datasets';
import { requestDigest } from '../jobs/training-data';

/**
 * The hub says which bank a job is from; the province does not take its word for the bank's data: only an
 * upload its owner opened to network jobs (jointlab upload --network) may be joined.
 */
export function assertNetworkUpload(upload: UploadMeta): void {
  if (!upload.network) throw new JointlabError('network_upload_not_granted', `the upload "${upload.name}" is not open to network jobs; its owner opens it (jointlab upload --network, or POST /v1/uploads/:id/network)`, 'conflict');
}

/** A province's rows with what its disclosure rules need: noise keyed to the population, and its fingerprint. */
export interface ProvinceData extends LocalData {
  noise: PopulationNoise;
  print: PopulationPrint;
  /** A digest of the joined rows' labels (by id): two jobs on the same ids with other labels differ here. */
  labels: string;
}

export async function loadLocalData(db: Db, spec: JobSpec, org: string, layout: Layout): Promise<ProvinceData> {
  const upload = await uploadByName(db, org, spec.bank!.upload);
  if (!upload) throw new JointlabError('network_no_upload', `the bank has no upload "${spec.bank!.upload}" in this enclave`, 'conflict');
  assertNetworkUpload(upload);
  const bankColumns = spec.bank!.columns ?? [];
  const platformColumns = spec.platform!.columns;
  const label = spec.label!;
  const uploadWanted = [...bankColumns, label];
  const positions = uploadWanted.map((name) => upload.columns.findIndex((c) => c.name === name));
  const missing = uploadWanted.find((_, k) => positions[k] < 0);
  if (missing !== undefined) throw new JointlabError('network_upload_column', `the upload "${upload.name}" has no column "${missing}"`, 'conflict');
  let rows = await db.all<{ entity_id: string; cells: string }>('SELECT entity_id, cells FROM upload_rows WHERE upload = ? ORDER BY row', [upload.id]);
  const uploadRows = rows;
  // The platform's cells of the upload's enterprises on the enclave's engine, as local jobs read them
  // (data/platform-columns.ts): from the snapshot's DuckDB copy only these ids, else SQLite's rows.
  const platform = await withPlatformColumns(db, spec.platform!.dataset, platformColumns, rows.map((r) => r.entity_id), async ({ byId, meta }) => ({ byId, meta }));
  if (platform.meta.requireTrainingConsent) {
    const { allowed } = await checkConsent(db, org, 'training', rows.map((r) => r.entity_id));
    const consented = new Set(allowed);
    rows = rows.filter((r) => consented.has(r.entity_id));
  }
  const ids: string[] = [];
  const cells = new Map<string, string[]>([...uploadWanted, ...platformColumns].map((n) => [n, []]));
  for (const r of rows) {
    const fromPlatform = platform.byId.get(r.entity_id);
    if (!fromPlatform) continue;
    ids.push(r.entity_id);
    const uploadCells = JSON.parse(r.cells) as string[];
    uploadWanted.forEach((name, k) => cells.get(name)!.push(uploadCells[positions[k]]));
    platformColumns.forEach((name, k) => cells.get(name)!.push(fromPlatform[k]));
  }
  const joined = cellTable(cells, ids);
  const categorical = new Set(layout.features.filter((f) => f.kind === 'categorical').map((f) => f.name));
  let frame;
  try {
    frame = frameOf(joined, layout.features.map((f) => f.name), categorical);
  } catch (e) {
    const column = e instanceof JointlabError ? /column "([^"]+)"/.exec(e.message)?.[1] : undefined;
    throw new JointlabError('network_column_values', `column "${column ?? '?'}" does not hold the kind of values the network job needs`);
  }
  let labels: Uint8Array;
  try {
    labels = labelsOf(joined, label);
  } catch {
    // Row positions would tell which of the bank's ids this province holds: say only which column.
    throw new JointlabError('bad_label', `label column "${label}" must hold 0 or 1 on every joined row`);
  }
  const train: number[] = [];
  const test: number[] = [];
  const { testFraction, seed } = { testFraction: spec.validation?.testFraction ?? 0.3, seed: spec.validation?.seed ?? 42 };
  ids.forEach((id, i) => (isTestRow(id, seed, testFraction) ? test : train).push(i));
  const part = (index: number[]): LocalPart => ({ frame: takeRows(frame, index), labels: takeLabels(labels, index) });
  // Keyed like a local job's noise (training-data.ts): the upload's content, the dataset's version, who
  // joined, the label and the split; the same population always draws the same noise.
  const secret = await populationSecret(db);
  const request = requestDigest(uploadRows, await datasetVersion(db, platform.meta));
  const joinedPrint = await fingerprintIds(secret, ids);
  const noise = keyedNoise(secret, digestOf(['network', request, joinedPrint.toString('base64'), label, JSON.stringify({ testFraction, seed })]));
  const print: PopulationPrint = {
    org,
    dataset: spec.platform!.dataset,
    columns: platformColumns,
    uploaded: await fingerprintIds(secret, uploadRows.map((r) => r.entity_id)),
    ids: await fingerprintIds(secret, withRoles(ids, train)),
  };
  const labelDigest = digestOf(ids.map((id, i) => `${id}\u0000${labels[i]}`).sort());
  return { train: part(train), test: part(test), noise, print, labels: labelDigest };
}
