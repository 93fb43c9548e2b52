/**
 * The bank's side of scoring new applicants with a joint model: the platform part comes from the
 * enclave (in the clear, or decrypted after private scoring), the bank part is computed here from the
 * released model and the bank's own rows, and the two add up to the model's score (lab/model-parts.ts).
 */
import type { PlatformPartAnswer } from '../api/platform-part';
import { JoinedTable } from '../data/join';
import { modelFrame } from '../data/model-frame';
import { JointlabError } from '../errors';
import { ModelParts, splitModel } from '../model-parts';
import { ModelFile } from '../../models/model';
import { EnclaveClient } from './enclave-client';
import type { JobView } from '../api/jobs';
import type { JointScore, JointScores } from '../api/joint-scores';

export type { JointScore, JointScores };

export const NO_BANK_ROW = 'no row in the bank features file';

/** Checks that the bank's rows hold every bank feature of the model, naming the first that is missing. */
export function assertBankColumns(parts: ModelParts, bank: JoinedTable, file: string): void {
  const absent = parts.bank.filter((f) => !bank.cells.has(f.name)).map((f) => f.name);
  if (absent.length) {
    throw new JointlabError('unknown_column', `${file} has no column ${absent.map((a) => `"${a}"`).join(', ')}; the model's bank features are ${parts.bank.map((f) => f.name).join(', ')}`, 'usage');
  }
}

/** The rows of `ids` that the bank's table holds, in that order, and the ids it does not hold. */
export function bankRowsOf(bank: JoinedTable, ids: readonly string[]): { rows: JoinedTable; missing: string[] } {
  const at = new Map(bank.ids.map((id, i) => [id, i]));
  const present = ids.filter((id) => at.has(id));
  const index = present.map((id) => at.get(id)!);
  const cells = new Map([...bank.cells].map(([name, column]) => [name, index.map((i) => column[i])]));
  return { rows: { ids: present, names: bank.names, cells, lines: index.map((i) => bank.lines[i]) }, missing: ids.filter((id) => !at.has(id)) };
}

/** Full scores of the applicants whose platform part is known: their bank part from `bank` plus that platform part. */
export function fullScores(parts: ModelParts, bank: JoinedTable, platform: readonly { id: string; value: number }[]): JointScore[] {
  const { rows } = bankRowsOf(bank, platform.map((p) => p.id));
  if (rows.ids.length !== platform.length) throw new JointlabError('no_bank_row', 'an applicant scored by the enclave has no row in the bank features file');
  const bankPart = parts.bankPart(modelFrame(rows, parts.bank));
  return platform.map((p, i) => ({ id: p.id, ...parts.full(bankPart[i], p.value), bankPart: bankPart[i], platformPart: p.value }));
}

/** Asks the enclave for the platform part of job `job`'s model for the applicants that have a bank row, and completes their scores. */
export async function scoreJointly(client: EnclaveClient, job: string, bank: JoinedTable, ids: readonly string[], file = 'the bank features file'): Promise<JointScores> {
  const path = `v1/jobs/${encodeURIComponent(job)}`;
  const view = await client.request<JobView>('GET', path);
  const model = await client.request<ModelFile>('GET', `${path}/model`, { query: { format: 'json' } });
  const parts = splitModel(model, view.spec.platform?.columns ?? []);
  assertBankColumns(parts, bank, file);
  const { rows, missing } = bankRowsOf(bank, [...new Set(ids)]);
  // Applicants without a bank row are not sent: the enclave would charge their consent budget for nothing.
  const answer = rows.ids.length
    ? await client.request<PlatformPartAnswer>('POST', 'v1/score', { json: { job, ids: rows.ids, part: 'platform' } })
    : { parts: [], refused: [] as PlatformPartAnswer['refused'] };
  return jointScores(job, parts, rows, missing, answer);
}

/** The answer of joint scoring: full scores of the applicants the enclave scored, refusals of the others (no bank row first). */
export function jointScores(job: string, parts: ModelParts, rows: JoinedTable, missing: readonly string[], answer: Pick<PlatformPartAnswer, 'parts' | 'refused'>): JointScores {
  return {
    job,
    kind: parts.kind,
    unit: parts.unit,
    bankFeatures: parts.bank.map((f) => f.name),
    platformFeatures: parts.platform.map((f) => f.name),
    scores: fullScores(parts, rows, answer.parts),
    refused: [...missing.map((id) => ({ id, reason: NO_BANK_ROW })), ...answer.refused],
  };
}
