/** `jointlab upload`'s default path: the dataset to align with, a progress bar, and the PSI line of the report. */
import { availableParallelism } from 'node:os';
import type { DatasetList } from '../lab/api/datasets';
import type { PsiReport } from '../lab/api/psi';
import type { UploadMeta } from '../lab/api/uploads';
import { EnclaveClient } from '../lab/client/enclave-client';
import { uploadWithPsi } from '../lab/client/psi-upload';
import { JointlabError } from '../lab/errors';
import { progressBar } from '../lab/progress';

/** The dataset to align with: the one named, or the enclave's only dataset. */
async function datasetOf(client: EnclaveClient, named: string | undefined): Promise<string> {
  if (named) return named;
  const { datasets } = await client.request<DatasetList>('GET', 'v1/datasets');
  if (datasets.length === 1) return datasets[0].name;
  if (!datasets.length) throw new JointlabError('no_dataset', 'the enclave holds no dataset to align your ids with (PSI); ask the steward, or upload with --no-psi', 'usage');
  throw new JointlabError('usage', `the enclave holds ${datasets.length} datasets (${datasets.map((d) => d.name).join(', ')}): name the one to align with, --dataset NAME`, 'usage');
}

export async function psiUpload(
  client: EnclaveClient,
  input: { file: string; csv: Buffer; name: string; idColumn: string; dataset?: string; workers?: number; progress: boolean },
): Promise<{ meta: UploadMeta; psi: PsiReport }> {
  const dataset = await datasetOf(client, input.dataset);
  const bar = input.progress ? progressBar(`PSI with "${dataset}"`) : undefined;
  try {
    return await uploadWithPsi(client, { ...input, dataset, workers: input.workers ?? availableParallelism(), progress: bar && ((done, total) => bar.update(done, total, `${done}/${total} points`)) });
  } finally {
    bar?.done();
  }
}

export function psiLine(p: PsiReport): string {
  const mb = (b: number) => (b / 1e6).toFixed(1);
  return `PSI with dataset "${p.dataset}": ${p.intersection} of your ${p.customers} ids are on the platform (a blinded set of ${p.platform}, the dataset padded); the other ${p.customers - p.intersection} stayed here. ${p.seconds.toFixed(1)} s, ${mb(p.bytes.up)} MB up, ${mb(p.bytes.down)} MB down. PSI budget used: ${p.budget.pointsToday} of ${p.budget.pointsPerDay} ids on this dataset today (UTC), ${p.budget.points30Days} of ${p.budget.pointsPer30Days} on all datasets over 30 days`;
}
