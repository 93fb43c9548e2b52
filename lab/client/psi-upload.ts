/** A bank's upload through PSI: align the table's ids with a dataset, then upload the rows on the platform only, bound to the session. */
import type { PsiReport } from '../api/psi';
import type { UploadMeta } from '../api/uploads';
import { formatCsv, parseCsv } from '../data/csv';
import { JointlabError } from '../errors';
import { EnclaveClient } from './enclave-client';
import { alignIds } from './psi-align';

export interface PsiUploadInput {
  /** Names the table in messages. */
  file: string;
  csv: Buffer;
  name: string;
  idColumn: string;
  dataset: string;
  workers?: number;
  progress?: (done: number, total: number) => void;
}

export async function uploadWithPsi(client: EnclaveClient, input: PsiUploadInput): Promise<{ meta: UploadMeta; psi: PsiReport }> {
  const table = parseCsv(input.csv.toString('utf8'), input.file);
  const at = table.header.indexOf(input.idColumn);
  if (at < 0) throw new JointlabError('unknown_column', `${input.file}: there is no id column "${input.idColumn}"`, 'usage');
  const ids = table.rows.map((r) => r[at]);
  const { session, matched, traffic, seconds } = await alignIds(client, { dataset: input.dataset, ids, workers: input.workers, progress: input.progress });
  const psi: PsiReport = { session: session.id, dataset: input.dataset, customers: ids.length, intersection: matched.length, platform: session.platformPoints, seconds, bytes: { ...traffic }, budget: session.budget };
  // A session that binds no upload is closed at once, so the intersection does not wait in the enclave's memory for the idle limit.
  const close = () => client.send('DELETE', `v1/psi/sessions/${encodeURIComponent(session.id)}`).catch(() => undefined);
  if (!matched.length) {
    await close();
    throw new JointlabError('psi_empty', `none of the ${ids.length} ids in ${input.file} is in dataset "${input.dataset}": nothing to upload`, 'validation');
  }
  const keep = new Set(matched);
  const rows = table.rows.filter((r) => keep.has(r[at]));
  try {
    const meta = await client.request<UploadMeta>('POST', 'v1/uploads', { csv: formatCsv(table.header, rows), query: { name: input.name, idColumn: input.idColumn, psiSession: session.id } });
    return { meta, psi };
  } catch (e) {
    await close();
    throw e;
  }
}
