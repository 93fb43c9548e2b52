/** Assembles a job's training table inside the enclave: the bank's upload joined to the platform columns the spec names. */
import { frameOf, labelsOf, splitOf } from '../../lab/data/columns';
import { JoinedTable } from '../../lab/data/join';
import { JointlabError } from '../../lab/errors';
import { JobSpec } from '../../lab/spec/job-spec';
import { Frame } from '../../models/frame';
import { datasetCells } from '../data/datasets';
import { checkConsent } from '../data/consents';
import { uploadByName } from '../data/uploads';
import { Db } from '../store/db';

export interface TrainingTable {
  frame: Frame;
  labels: Uint8Array;
  /** Rows marked train/test by the spec's split column, when it names one. */
  split?: { train: Int32Array; test: Int32Array };
  /** The dataset's k, which the release check applies. */
  k: number;
}

export async function loadTrainingTable(db: Db, spec: JobSpec, org: string, defaultK: number): Promise<TrainingTable> {
  const bank = spec.bank!;
  const label = spec.label!;
  const upload = await uploadByName(db, org, bank.upload);
  if (!upload) throw new JointlabError('not_found', `upload "${bank.upload}" no longer exists`, 'not_found');
  const bankColumns = bank.columns ?? [];
  const platformColumns = spec.platform?.columns ?? [];
  const labelInUpload = upload.columns.some((c) => c.name === label);
  const splitColumn = spec.validation?.splitColumn;
  const uploadWanted = [...bankColumns, ...(labelInUpload ? [label] : []), ...(splitColumn ? [splitColumn] : [])];
  const uploadPositions = uploadWanted.map((name) => upload.columns.findIndex((c) => c.name === name));
  const platform = spec.platform
    ? await datasetCells(db, spec.platform.dataset, [...platformColumns, ...(labelInUpload ? [] : [label])])
    : undefined;

  const ids: string[] = [];
  const cells = new Map<string, string[]>([...uploadWanted, ...platformColumns, ...(labelInUpload ? [] : [label])].map((n) => [n, []]));
  let rows = await db.all<{ entity_id: string; cells: string }>('SELECT entity_id, cells FROM upload_rows WHERE upload = ? ORDER BY row', [upload.id]);
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
  const joined: JoinedTable = { ids, names: [...cells.keys()], cells, lines: ids.map((_, i) => i + 2) };
  const categorical = new Set<string>([
    ...upload.columns.filter((c) => c.type === 'categorical').map((c) => c.name),
    ...platformColumns.filter((_, j) => platform?.types[j] === 'categorical'),
  ]);
  try {
    return {
      frame: frameOf(joined, [...bankColumns, ...platformColumns], categorical),
      labels: labelsOf(joined, label),
      ...(splitColumn ? { split: splitOf(joined, splitColumn) } : {}),
      k: platform?.meta.k ?? defaultK,
    };
  } catch (e) {
    // Row positions in the joined table would tell which of the bank's ids the platform holds: drop them.
    if (e instanceof JointlabError && e.code === 'bad_label') throw new JointlabError('bad_label', `label column "${label}" must hold 0 or 1 on every joined row`);
    if (e instanceof JointlabError && e.code === 'bad_split_value') throw new JointlabError('bad_split_value', `split column "${splitColumn}" must hold train or test on every joined row`);
    throw e;
  }
}
