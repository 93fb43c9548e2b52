/** `jointlab job ...`: banks submit specs and read results; stewards review, approve and reject. */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { isFinal, JobState } from '../lab/lifecycle';
import { progressBar } from '../lab/progress';
import { list } from './options';
import { ScoreRow, fixed, printJson, scoresCsv, table } from './output';
import { scoreJointly } from '../lab/client/joint-score';
import { readCsvFile } from '../lab/data/csv';
import { innerJoin } from '../lab/data/join';
import { RemoteFlags, clientOf, readIdList, readJsonArg, remote } from './remote';
import { printContext, resultsContext } from './results-context';
import type { JobResults } from '../lab/api/results';
import type { JobList, JobMove, JobView } from '../lab/api/jobs';
import type { ScoreAnswer } from '../lab/api/scoring';
import { selectionLines } from './selection-output';
import { stabilityLines } from './stability-output';

/** States a watcher stops at: finished ones, and `succeeded`, which the release check leaves at once. */
const settled = (state: JobState): boolean => isFinal(state);

function printJob(job: JobView): void {
  console.log(`${job.id}  ${job.name}  ${job.state}${job.state === 'running' ? ` ${Math.round(job.progress * 100)}%` : ''}${job.reason ? `  (${job.reason})` : ''}`);
  for (const f of job.flags ?? []) console.log(`  flag ${f.code}: ${f.message}`);
}

export function printResults(r: JobResults): void {
  const work = r.released.stability || r.backend === 'enclave' ? 'computed in the enclave' : `trained on ${r.backend}`;
  console.log(`job ${r.id}: ${r.state}${r.reason ? ` (${r.reason})` : ''}, k = ${r.k}, ${work} in ${r.seconds.toFixed(2)} s`);
  if (r.released.stability) {
    console.log(stabilityLines(r.released.stability));
    console.log(`draw them: jointlab report ${r.id} --out report.html`);
  }
  const m = r.released.metrics;
  if (m) {
    console.log(
      table([
        ['', 'rows', 'AUC', 'KS', 'Gini'],
        ...(['train', 'test'] as const).map((part) => [part, String(m.rows[part]), fixed(m[part]?.auc ?? NaN), fixed(m[part]?.ks ?? NaN), fixed(m[part]?.gini ?? NaN)]),
      ]),
    );
  }
  if (r.released.parameters) console.log(`parameters released: ${r.released.parameters.model.kind} model; save it with: jointlab export ${r.id} --format json --out model.json (or --format pmml)`);
  if (r.released.selection) console.log(selectionLines(r.released.selection));
  const curves = r.released.curves;
  if (curves) {
    console.log(`curves released, every point standing for at least ${r.k} rows: ROC (${curves.roc.length} points), score distribution (${curves.distribution.length} bands), calibration (${curves.calibration.length} bins)`);
    console.log(`draw them: jointlab report ${r.id} --out report.html`);
  }
  for (const w of r.withheld) console.log(`withheld ${w.part}: ${w.reason}`);
  if (r.scoring) {
    const shares = r.scoring.features.map((f) => `${f.name} ${Math.round(f.share * 100)}%`).join(', ');
    console.log(r.scoring.passes ? `scoring rule: passed (${shares})` : `scoring rule: failed, the model cannot score enterprises: ${r.scoring.reason}`);
  }
}

/** Ids from the named column of a CSV, or from a plain list (one id per line, or a CSV with an "id" column). */
function readIds(path: string, idColumn: string): string[] {
  const table = readCsvFile(path);
  const at = table.header.indexOf(idColumn);
  return at >= 0 ? table.rows.map((r) => r[at].trim()).filter(Boolean) : readIdList(path);
}

/** Scores as CSV on stdout or into `out`; refusals, and a summary when there is one, on stderr. */
function writeScores(scores: ScoreRow[], refused: { id: string; reason: string }[], out: string | undefined, summary?: string): void {
  const csv = scoresCsv(scores);
  if (out) writeFileSync(out, csv);
  else process.stdout.write(csv);
  for (const x of refused) process.stderr.write(`refused ${x.id}: ${x.reason}\n`);
  if (summary) process.stderr.write(`${summary}\n`);
}

export function register(program: Command): void {
  const job = program.command('job').description('model jobs in the enclave');
  remote(job.command('submit <spec>').description('bank: submit a model spec (JSON file)')).action(async (spec: string, flags: RemoteFlags) => {
    const view = await clientOf(flags).request<JobView>('POST', 'v1/jobs', { json: readJsonArg(spec) });
    if (flags.json) printJson(view);
    else console.log(`submitted job ${view.id} (${view.name}); a steward must approve it`);
  });
  remote(job.command('list').description('jobs (a bank sees its own)').option('--state <state>', 'only jobs in this state')).action(
    async (flags: RemoteFlags & { state?: string }) => {
      const { jobs } = await clientOf(flags).request<JobList>('GET', 'v1/jobs', { query: { state: flags.state } });
      if (flags.json) printJson({ jobs });
      else if (!jobs.length) console.log('no jobs');
      else console.log(table([['id', 'name', 'org', 'state', 'flags'], ...jobs.map((j) => [j.id, j.name, j.org, j.state, (j.flags ?? []).map((f) => f.code).join(',')])]));
    },
  );
  remote(job.command('status <id>').description('state and progress').option('--watch', 'follow progress until the job settles')).action(
    async (id: string, flags: RemoteFlags & { watch?: boolean }) => {
      const client = clientOf(flags);
      let view = await client.request<JobView>('GET', `v1/jobs/${encodeURIComponent(id)}`);
      if (flags.watch) {
        const bar = flags.json ? undefined : progressBar(`job ${view.name}`);
        let last = '';
        while (!settled(view.state)) {
          if (bar) bar.update(view.progress, 1, `${view.state}${view.progressNote ? `: ${view.progressNote}` : ''}`);
          else if (!flags.json && view.state !== last) console.log(view.state);
          last = view.state;
          await new Promise((r) => setTimeout(r, 300));
          view = await client.request<JobView>('GET', `v1/jobs/${encodeURIComponent(id)}`);
        }
        bar?.done();
      }
      if (flags.json) printJson(view);
      else printJob(view);
    },
  );
  remote(
    job
      .command('approve <id>')
      .description('steward: approve a job')
      .option('--allow-sensitive <list>', 'sensitive columns this job may use (each one the spec asks for must be listed)', list),
  ).action(async (id: string, flags: RemoteFlags & { allowSensitive?: string[] }) => {
    const r = await clientOf(flags).request<JobMove>('POST', `v1/jobs/${encodeURIComponent(id)}/approve`, { json: { allowSensitive: flags.allowSensitive ?? [] } });
    if (flags.json) printJson(r);
    else console.log(`job ${r.id} is ${r.state}`);
  });
  remote(job.command('reject <id>').description('steward: reject a job with a reason').requiredOption('--reason <text>', 'why; the bank reads it')).action(
    async (id: string, flags: RemoteFlags & { reason: string }) => {
      const r = await clientOf(flags).request<JobMove>('POST', `v1/jobs/${encodeURIComponent(id)}/reject`, { json: { reason: flags.reason } });
      if (flags.json) printJson(r);
      else console.log(`job ${r.id} is ${r.state}`);
    },
  );
  remote(job.command('cancel <id>').description('cancel an approved or running job')).action(async (id: string, flags: RemoteFlags) => {
    const r = await clientOf(flags).request<JobMove>('POST', `v1/jobs/${encodeURIComponent(id)}/cancel`);
    if (flags.json) printJson(r);
    else console.log(`job ${r.id} is ${r.state}`);
  });
  remote(
    job
      .command('score <id>')
      .description(
        "bank: score named enterprises with the job's released model (only those with scoring consent; the rest are refused by id). A joint model needs --bank-features: the enclave returns the platform part, the bank part is added here",
      )
      .requiredOption('--ids <file>', 'a CSV with an id column (see --id-column), or one id per line')
      .option('--bank-features <file>', "joint models: a CSV with your own features of the applicants (the model's bank columns), keyed by --id-column")
      .option('--id-column <column>', 'id column of --ids and --bank-features', 'id')
      .option('--out <file>', 'write the scores as CSV here (4 decimals, as released) instead of stdout'),
  ).action(async (id: string, flags: RemoteFlags & { ids: string; bankFeatures?: string; idColumn: string; out?: string }) => {
    const ids = readIds(flags.ids, flags.idColumn);
    const client = clientOf(flags);
    if (flags.bankFeatures) {
      const bank = innerJoin([{ source: flags.bankFeatures, table: readCsvFile(flags.bankFeatures) }], flags.idColumn, '--id-column');
      const r = await scoreJointly(client, id, bank, ids, flags.bankFeatures);
      if (flags.json) printJson(r);
      else writeScores(r.scores, r.refused, flags.out, `scored ${r.scores.length} applicants with the joint ${r.kind === 'lr' ? 'logistic regression' : 'scorecard'}: platform part (${r.platformFeatures.length} features) from the enclave, bank part (${r.bankFeatures.length} features) added here; refused ${r.refused.length}`);
      return;
    }
    const r = await client.request<ScoreAnswer>('POST', 'v1/score', { json: { job: id, ids } });
    if (flags.json) printJson(r);
    else writeScores(r.scores, r.refused, flags.out);
  });
  remote(
    job.command('results <id>').description("released weights and metrics (monitor jobs: PSI and CSI with their status), what was withheld and why, the job's epsilon under DP, and how it compares with the bank-only model"),
  ).action(async (id: string, flags: RemoteFlags) => {
    const client = clientOf(flags);
    const r = await client.request<JobResults>('GET', `v1/jobs/${encodeURIComponent(id)}/results`);
    const context = await resultsContext(client, r);
    if (flags.json) printJson({ ...r, ...context });
    else {
      printResults(r);
      printContext(r, context);
    }
  });
}
