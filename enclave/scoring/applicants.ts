/**
 * Scoring new applicants with a joint model in one request, for a bank that has no client of its
 * own (the console): the bank sends its applicants' own features as CSV, the enclave adds the bank
 * part (from the released model) to the platform part it releases anyway, and keeps nothing of the
 * file. The full score tells the bank no more than the platform part it could ask for alone.
 */
import { JointScores, assertBankColumns, bankRowsOf, jointScores } from '../../lab/client/joint-score';
import { parseCsv } from '../../lab/data/csv';
import { innerJoin } from '../../lab/data/join';
import { JointlabError } from '../../lab/errors';
import { splitModel } from '../../lab/model-parts';
import type { Principal } from '../../lab/api/principals';
import { decodeJob } from '../jobs/decode';
import { visibleJob } from '../jobs/jobs';
import { jobResults } from '../jobs/results';
import { Db } from '../store/db';
import { ScoreLimiter } from './limits';
import { scorePlatformPart } from './score';

const FILE = 'the applicants file';

export async function scoreApplicants(db: Db, limiter: ScoreLimiter, actor: Principal, jobId: string, csv: Buffer, idColumn: string): Promise<JointScores> {
  const row = await visibleJob(db, jobId, actor);
  const model = row.result ? jobResults(row).released.parameters?.model : undefined;
  if (!model) throw new JointlabError('no_released_model', `job ${jobId} has no released model to score with`, 'conflict');
  const { spec } = decodeJob(row);
  const parts = splitModel(model, spec.platform?.columns ?? []);
  const bank = innerJoin([{ source: FILE, table: parseCsv(csv.toString('utf8'), FILE, { maxColumns: 1000 }) }], idColumn, 'idColumn');
  assertBankColumns(parts, bank, FILE);
  const { rows, missing } = bankRowsOf(bank, bank.ids);
  const answer = await scorePlatformPart(db, limiter, actor, jobId, rows.ids);
  return jointScores(jobId, parts, rows, missing, answer);
}
