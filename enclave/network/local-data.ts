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
import { datasetCells } from '../data/datasets';
import { checkConsent } from '../data/consents';
import { uploadByName } from '../data/uploads';
import { Db } from '../store/db';

export async function loadLocalData(db: Db, spec: JobSpec, org: string, layout: Layout): Promise<LocalData> {
  const upload = await uploadByName(db, org, spec.bank!.upload);
  if (!upload) throw new JointlabError('network_no_upload', `the bank has no upload "${spec.bank!.upload}" in this enclave`, 'conflict');
  const bankColumns = spec.bank!.columns ?? [];
  const platformColumns = spec.platform!.columns;
  const label = spec.label!;
  const uploadWanted = [...bankColumns, label];
  const positions = uploadWanted.map((name) => upload.columns.findIndex((c) => c.name === name));
  const missing = uploadWanted.find((_, k) => positions[k] < 0);
  if (missing !== undefined) throw new JointlabError('network_upload_column', `the upload "${upload.name}" has no column "${missing}"`, 'conflict');
  const platform = await datasetCells(db, spec.platform!.dataset, platformColumns);
  let rows = await db.all<{ entity_id: string; cells: string }>('SELECT entity_id, cells FROM upload_rows WHERE upload = ? ORDER BY row', [upload.id]);
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
  return { train: part(train), test: part(test) };
}
