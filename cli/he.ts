/** `jointlab he train | score`: the bank's side of encrypted-label training and private-model scoring. */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { EnclaveClient } from '../lab/client/enclave-client';
import { readCsvFile } from '../lab/data/csv';
import { isMissingCell } from '../lab/data/columns';
import { JointlabError } from '../lab/errors';
import { PARAM_SET_NAMES, ParamSetName } from '../lab/he/params';
import { HE_TRAINING_PARAM_SETS, heTrainingProblems } from '../enclave/service';
import { KeyedLabels, alignLabels } from '../lab/he/label-alignment';
import { heScore, heTrain, trainingKeys } from '../lab/he/protocols';
import { didYouMean } from '../lab/text';
import { JobSpec } from '../lab/spec/job-spec';
import { HE_BOUNDS } from '../lab/spec/he-spec';
import { readModelFile } from './score';
import { NO_BANK_ROW, assertBankColumns, bankRowsOf, fullScores } from '../lab/client/joint-score';
import { JoinedTable, innerJoin } from '../lab/data/join';
import { ModelParts, splitModel } from '../lab/model-parts';
import { ModelFile } from '../models/model';
import { list, positiveInteger } from './options';
import { printJson, scoresCsv } from './output';
import { RemoteFlags, clientOf, readIdList, remote } from './remote';
import type { JobView } from '../lab/api/jobs';
import type { UploadIds, UploadList } from '../lab/api/uploads';
import type { DatasetMeta } from '../lab/api/datasets';

interface CommonFlags extends RemoteFlags {
  job?: string;
  paramSet: ParamSetName;
  wait: number;
}

/** Uses the given approved job, or submits the spec and waits for a steward's decision. */
async function approvedJob(client: EnclaveClient, flags: CommonFlags, spec: JobSpec, say: (line: string) => void): Promise<string> {
  let id = flags.job;
  if (!id) {
    id = (await client.request<JobView>('POST', 'v1/jobs', { json: spec })).id;
    say(`submitted job ${id}; waiting up to ${flags.wait} s for a steward to approve it (jointlab job approve ${id})`);
  }
  const deadline = Date.now() + flags.wait * 1000;
  for (;;) {
    const { state, reason } = await client.request<JobView>('GET', `v1/jobs/${encodeURIComponent(id)}`);
    if (state === 'approved') return id;
    if (state !== 'submitted') throw new JointlabError('job_not_approved', `job ${id} is ${state}${reason ? ` (${reason})` : ''}`, 'validation');
    if (Date.now() > deadline) throw new JointlabError('approval_timeout', `job ${id} was not approved within ${flags.wait} s; run again with --job ${id} once it is`, 'validation');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The labels file as ids and 0/1 labels. Each label keeps its id, so `heTrain` puts it into the
 * upload's order by id; a missing label is refused rather than read as 0 (a row encrypted with label
 * 0 trains as a non-default).
 */
function readLabelFile(file: string, idColumn: string, labelColumn: string): KeyedLabels {
  const table = readCsvFile(file);
  const idAt = table.header.indexOf(idColumn);
  if (idAt < 0) throw new JointlabError('unknown_column', `${file}: there is no id column "${idColumn}"${didYouMean(idColumn, table.header)} (name it with --id-column)`, 'usage');
  const at = table.header.indexOf(labelColumn);
  if (at < 0) throw new JointlabError('unknown_column', `${file} has no column "${labelColumn}"${didYouMean(labelColumn, table.header)} (name it with --label-column)`, 'usage');
  const unlabelled: number[] = [];
  const values = table.rows.map((r, i) => {
    const v = r[at].trim();
    if (isMissingCell(v)) unlabelled.push(table.lines[i]);
    else if (v !== '0' && v !== '1') throw new JointlabError('bad_label', `${file}: line ${table.lines[i]}: the label must be 0 or 1`);
    return v === '1' ? 1 : 0;
  });
  if (unlabelled.length) {
    const lines = `${unlabelled.slice(0, 5).join(', ')}${unlabelled.length > 5 ? ', ...' : ''}`;
    throw new JointlabError('missing_label', `${file}: ${unlabelled.length} row${unlabelled.length === 1 ? ' has' : 's have'} no label (line${unlabelled.length === 1 ? '' : 's'} ${lines}); upload only the customers whose outcome you know`);
  }
  return { ids: table.rows.map((r) => r[idAt].trim()), values, source: file };
}

/**
 * Before a job is submitted, so a wrong file costs no steward's approval: every uploaded id has
 * exactly one label (`heTrain` pairs them again with the ids of the session's design).
 */
async function assertLabelsMatch(client: EnclaveClient, upload: string, labels: KeyedLabels): Promise<void> {
  const { uploads } = await client.request<UploadList>('GET', 'v1/uploads');
  const meta = uploads.find((u) => u.name === upload);
  if (!meta) throw new JointlabError('not_found', `you have no upload named "${upload}"${didYouMean(upload, uploads.map((u) => u.name))} (see jointlab upload list)`, 'validation');
  const { ids } = await client.request<UploadIds>('GET', `v1/uploads/${encodeURIComponent(meta.id)}/ids`);
  alignLabels(ids, labels);
}

/** The enclave's own rule (enclave/release/he-training-fit.ts), applied before submitting: a spec no round could flood never waits for a steward. */
async function assertTrainingFits(client: EnclaveClient, spec: JobSpec): Promise<void> {
  const dataset = await client.request<DatasetMeta>('GET', `v1/datasets/${encodeURIComponent(spec.platform!.dataset)}`);
  const columns = spec.platform!.columns.map((name) => ({ name, categorical: dataset.columns.find((c) => c.name === name)?.type === 'categorical' }));
  const problems = heTrainingProblems({ paramSet: spec.he?.paramSet as ParamSetName, l2: (spec.model.params as { l2: number }).l2, columns });
  if (problems.length) {
    const flagOf: Record<string, string> = { '/he/paramSet': '--param-set' };
    const lines = problems.map((p) => `  ${flagOf[p.pointer] ?? `--platform-features ${columns[Number(p.pointer.split('/').pop())]?.name}`}: ${p.message}`);
    throw new JointlabError('he_training_unfit', `encrypted-label training could not noise-flood the rounds of these settings:\n${lines.join('\n')}`, 'validation');
  }
}

function common(command: Command, paramSets: readonly ParamSetName[], why = ''): Command {
  return remote(command)
    .option('--job <id>', 'an approved HE job to use (default: submit one and wait for approval)')
    .addOption(new Option('--param-set <name>', `CKKS parameter set${why}`).choices(paramSets).default('n16384'))
    .option('--wait <seconds>', 'how long to wait for approval', positiveInteger, 600);
}

export function register(program: Command): void {
  const he = program.command('he').description('homomorphic encryption: the bank keeps the secret key; the enclave computes on ciphertexts');

  common(
    he
      .command('train')
      .description('encrypted-label training: your labels stay encrypted; the platform\'s features never leave the enclave')
      .requiredOption('--upload <name>', 'your upload of enterprise ids (labels are not uploaded)')
      .requiredOption('--labels <file>', "your CSV with an id column and the labels, one row per uploaded id in any order (matched to the upload by id)")
      .option('--label-column <column>', 'label column of --labels', 'default_12m')
      .option('--id-column <column>', 'enterprise id column of --labels', 'id')
      .option('--dataset <name>', 'platform dataset', 'platform')
      .requiredOption('--platform-features <list>', 'comma-separated platform columns', list)
      .option('--l2 <lambda>', `L2 penalty (1 = scikit-learn C = 1; allowed ${HE_BOUNDS.l2.min} to ${HE_BOUNDS.l2.max})`, Number, HE_BOUNDS.l2.default)
      .option('--rounds <n>', `decrypted Newton rounds the session allows (${HE_BOUNDS.rounds.min} to ${HE_BOUNDS.rounds.max})`, positiveInteger, HE_BOUNDS.rounds.default)
      .option('--epsilon <e>', `differential privacy of the rounds, charged to your budget (${HE_BOUNDS.epsilon.min} to ${HE_BOUNDS.epsilon.max})`, Number, HE_BOUNDS.epsilon.default)
      .option('--out <file>', 'save the model (usable by `jointlab score` and `jointlab he score`)'),
    HE_TRAINING_PARAM_SETS,
    ' (training runs on n16384 only: at n8192 no round can be noise-flooded)',
  ).action(async (flags: CommonFlags & { upload: string; labels: string; labelColumn: string; idColumn: string; dataset: string; platformFeatures: string[]; l2: number; rounds: number; epsilon: number; out?: string }) => {
    const say = flags.json ? () => undefined : (line: string) => process.stderr.write(`${line}\n`);
    const client = clientOf(flags);
    const labels = readLabelFile(flags.labels, flags.idColumn, flags.labelColumn);
    await assertLabelsMatch(client, flags.upload, labels);
    const spec: JobSpec = {
      name: `he-train-${flags.upload}`.slice(0, 64),
      purpose: 'encrypted-label logistic regression',
      mode: 'he-train',
      bank: { upload: flags.upload },
      platform: { dataset: flags.dataset, columns: flags.platformFeatures },
      model: { family: 'lr', params: { l2: flags.l2 } },
      he: { paramSet: flags.paramSet, rounds: flags.rounds, epsilon: flags.epsilon },
    };
    if (!flags.job) await assertTrainingFits(client, spec);
    // The session's keys are made while the job waits for its steward (about 0.3 s, and the decryption
    // thread's SEAL start beside them); a job that is never approved, or an error, disposes of them unused.
    const keys = trainingKeys(flags.paramSet);
    keys.catch(() => undefined); // a failure is reported where heTrain awaits the keys, not as an unhandled rejection
    let job: string;
    try {
      job = await approvedJob(client, flags, spec, say);
    } catch (e) {
      await (await keys.catch(() => undefined))?.dispose();
      throw e;
    }
    say(`encrypting ${labels.ids.length} labels under ${flags.paramSet} keys made while the job waited`);
    const result = await heTrain({
      client,
      job,
      paramSet: flags.paramSet,
      keys,
      labels,
      onRound: (round, change, bits) => say(`round ${round}: largest weight change ${change.toExponential(2)}, noise flooding ${bits.toFixed(1)} bits`),
    });
    if (flags.out) writeFileSync(flags.out, JSON.stringify(result.model) + '\n');
    const summary = { job, rounds: result.rounds, converged: result.converged, floodBits: result.floodBits, bytes: result.traffic, seconds: result.seconds, out: flags.out ?? null };
    if (flags.json) printJson({ ...summary, model: result.model });
    else {
      console.log(`trained under encryption in ${result.rounds} rounds (${result.converged ? 'converged' : 'not converged'}), ${result.seconds.total.toFixed(1)} s`);
      console.log(`sent ${(result.traffic.up / 1e6).toFixed(1)} MB, received ${(result.traffic.down / 1e6).toFixed(1)} MB`);
      if (flags.out) console.log(`model saved to ${flags.out}`);
    }
  });

  common(
    he
      .command('score')
      .description(
        'private-model scoring: your model is encrypted under your key; scores come back encrypted for consented enterprises only. A joint model needs --bank-features: only its platform terms are sent, and your part is added here',
      )
      .requiredOption('--model <file>', 'a logistic regression or scorecard model file on platform features (or joint, with --bank-features)')
      .requiredOption('--ids <file>', 'enterprise ids to score: a CSV with an id column (see --id-column), or one id per line')
      .option('--bank-features <file>', "joint models: a CSV with your own features of the applicants; the model's features found in it are the bank part, the others are platform features")
      .option('--id-column <column>', 'id column of --ids and --bank-features', 'id')
      .option('--dataset <name>', 'platform dataset', 'platform')
      .option('--out <file>', 'write the scores as CSV here instead of stdout'),
    PARAM_SET_NAMES,
  ).action(async (flags: CommonFlags & { model: string; ids: string; bankFeatures?: string; idColumn: string; dataset: string; out?: string }) => {
    const say = flags.json ? () => undefined : (line: string) => process.stderr.write(`${line}\n`);
    const client = clientOf(flags);
    const model = readModelFile(flags.model).toJSON();
    const ids = readIdColumn(flags.ids, flags.idColumn);
    const joint = flags.bankFeatures ? jointPlan(model, flags.model, flags.bankFeatures, flags.idColumn) : undefined;
    const platformColumns = joint ? joint.parts.platform.map((f) => f.name) : model.features.map((f) => f.name);
    const spec: JobSpec = {
      name: `he-score-${model.kind}${joint ? '-platform-part' : ''}`,
      purpose: joint ? "private scoring of consented applicants: the platform part of a joint model, the bank part added on the bank's side" : 'private-model scoring of consented applicants',
      mode: 'he-score',
      platform: { dataset: flags.dataset, columns: platformColumns },
      model: { family: model.kind as 'lr' | 'scorecard' },
    };
    const job = await approvedJob(client, flags, spec, say);
    // Applicants without a bank row are not sent: the enclave would charge their budget for nothing.
    const rows = joint ? bankRowsOf(joint.bank, [...new Set(ids)]) : undefined;
    const result = await heScore({ client, job, paramSet: flags.paramSet, model, ids: rows ? rows.rows.ids : ids, ...(joint ? { platformFeatures: platformColumns } : {}) });
    const scores = joint ? fullScores(joint.parts, rows!.rows, result.parts) : result.scores;
    const refused = [...(rows ? rows.missing.map((id) => ({ id, reason: NO_BANK_ROW })) : []), ...result.refused];
    if (flags.json) {
      printJson({ job, ...(joint ? { part: 'platform', bankFeatures: joint.parts.bank.map((f) => f.name), platformFeatures: platformColumns } : {}), scores, refused, floodBits: result.floodBits, bytes: result.traffic, seconds: result.seconds });
      return;
    }
    // Decrypted scores carry CKKS noise well below the fourth decimal: printed as released scores are.
    const csv = scoresCsv(scores);
    if (flags.out) writeFileSync(flags.out, csv);
    else process.stdout.write(csv);
    for (const r of refused) say(`refused ${r.id}: ${r.reason}`);
    say(`scored ${scores.length} enterprises under encryption${joint ? ` (platform part of ${platformColumns.length} features decrypted, bank part of ${joint.parts.bank.length} added here)` : ''}, refused ${refused.length}, in ${result.seconds.toFixed(1)} s`);
  });
}

/** Ids from the named column of a CSV, or from a plain list. */
function readIdColumn(path: string, idColumn: string): string[] {
  const table = readCsvFile(path);
  const at = table.header.indexOf(idColumn);
  return at >= 0 ? table.rows.map((r) => r[at].trim()).filter(Boolean) : readIdList(path);
}

/** A joint model split along the bank's file: the model's features found in it are the bank's, the rest the platform's. */
function jointPlan(model: ModelFile, modelPath: string, file: string, idColumn: string): { parts: ModelParts; bank: JoinedTable } {
  const bank = innerJoin([{ source: file, table: readCsvFile(file) }], idColumn, '--id-column');
  const platform = model.features.filter((f) => !bank.cells.has(f.name)).map((f) => f.name);
  if (!platform.length) throw new JointlabError('no_platform_feature', `${file} holds every feature of the model: there is no platform part to score under encryption (score it locally: jointlab score --model ${modelPath} --data ${file})`, 'usage');
  const parts = splitModel(model, platform);
  assertBankColumns(parts, bank, file);
  return { parts, bank };
}
