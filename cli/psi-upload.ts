/** `jointlab upload`'s default path: align the file's ids with a dataset by PSI, then upload the rows on the platform only. */
import { availableParallelism } from 'node:os';
import type { DatasetList } from '../lab/api/datasets';
import type { PsiReport } from '../lab/api/psi';
import type { UploadMeta } from '../lab/api/uploads';
import { EnclaveClient } from '../lab/client/enclave-client';
import { alignIds } from '../lab/client/psi-align';
import { formatCsv, parseCsv } from '../lab/data/csv';
import { JointlabError } from '../lab/errors';
import { progressBar } from '../lab/progress';

export interface PsiUploadInput {
  file: string;
  csv: Buffer;
  name: string;
  idColumn: string;
  dataset?: string;
  workers?: number;
  /** Draw a progress bar (a terminal, no --json). */
  progress: boolean;
}

/** The dataset to align with: the one named, or the enclave's only dataset. */
async function datasetOf(client: EnclaveClient, named: string | undefined): Promise<string> {
  if (named) return named;
  const { datasets } = await client.request<DatasetList>('GET', 'v1/datasets');
  if (datasets.length === 1) return datasets[0].name;
  if (!datasets.length) throw new JointlabError('no_dataset', 'the enclave holds no dataset to align your ids with (PSI); ask the steward, or upload with --no-psi', 'usage');
  throw new JointlabError('usage', `the enclave holds ${datasets.length} datasets (${datasets.map((d) => d.name).join(', ')}): name the one to align with, --dataset NAME`, 'usage');
}

export async function uploadWithPsi(client: EnclaveClient, input: PsiUploadInput): Promise<{ meta: UploadMeta; psi: PsiReport }> {
  const dataset = await datasetOf(client, input.dataset);
  const table = parseCsv(input.csv.toString('utf8'), input.file);
  const at = table.header.indexOf(input.idColumn);
  const ids = table.rows.map((r) => r[at]);
  const bar = input.progress ? progressBar(`PSI with "${dataset}"`) : undefined;
  let alignment;
  try {
    alignment = await alignIds(client, { dataset, ids, workers: input.workers ?? availableParallelism(), progress: bar && ((done, total) => bar.update(done, total, `${done}/${total} points`)) });
  } finally {
    bar?.done();
  }
  const { session, matched, traffic, seconds } = alignment;
  const report: PsiReport = { session: session.id, dataset, customers: ids.length, intersection: matched.length, platform: session.platformPoints, seconds, bytes: { ...traffic } };
  if (!matched.length) {
    await client.send('DELETE', `v1/psi/sessions/${encodeURIComponent(session.id)}`).catch(() => undefined);
    throw new JointlabError('psi_empty', `none of the ${ids.length} ids in ${input.file} is in dataset "${dataset}": nothing to upload`, 'validation');
  }
  const keep = new Set(matched);
  const rows = table.rows.filter((r) => keep.has(r[at]));
  const meta = await client.request<UploadMeta>('POST', 'v1/uploads', { csv: formatCsv(table.header, rows), query: { name: input.name, idColumn: input.idColumn, psiSession: session.id } });
  return { meta, psi: report };
}

export function psiLine(p: PsiReport): string {
  const mb = (b: number) => (b / 1e6).toFixed(1);
  return `PSI with dataset "${p.dataset}": ${p.intersection} of your ${p.customers} ids are on the platform (${p.platform} enterprises); the other ${p.customers - p.intersection} stayed here. ${p.seconds.toFixed(1)} s, ${mb(p.bytes.up)} MB up, ${mb(p.bytes.down)} MB down`;
}
