/** `jointlab export JOB --split`: the bank's part of a joint model as PMML, with the platform part as an input field. */
import { EnclaveClient } from '../lab/client/enclave-client';
import { toBankPartPmml } from '../lab/export/pmml';
import { ModelFile } from '../models/model';
import type { JobView } from '../lab/api/jobs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

/** Built here from the released model and the job's spec, as the enclave builds the whole model's PMML. */
export async function exportBankPart(client: EnclaveClient, job: string): Promise<string> {
  const path = `v1/jobs/${encodeURIComponent(job)}`;
  const view = await client.request<JobView>('GET', path);
  const model = await client.request<ModelFile>('GET', `${path}/model`, { query: { format: 'json' } });
  return toBankPartPmml(model, view.spec.platform?.columns ?? [], { target: view.spec.label ?? 'default', modelName: `${view.spec.name}-bank-part`, version });
}
