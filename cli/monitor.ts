/**
 * `jointlab monitor`: how far a model's population moved, as the PSI of its score and the CSI of each
 * feature with the usual thresholds (0.1, 0.25). `monitor local` compares two local CSVs with a saved
 * model (`jointlab monitor --model ...` still works); `monitor submit` asks the enclave to compare two
 * snapshots of a platform dataset with a released model, as a job the steward approves.
 */
import { Command } from 'commander';
import { modelFrame } from '../lab/data/model-frame';
import { JointlabError } from '../lab/errors';
import { fixed, table } from '../lab/text';
import { loadJoined } from '../lab/train';
import { ModelInputError } from '../models/frame';
import { STABILITY_THRESHOLDS, Stability, columnStability, numericStability } from '../models/stability';
import { collect, positiveInteger } from './options';
import { printJson } from './output';
import { readModelFile } from './score';
import { RemoteFlags, clientOf, remote } from './remote';
import type { JobView } from '../lab/api/jobs';

interface MonitorFlags {
  model: string;
  baseline: string[];
  current: string[];
  id: string;
  bins: number;
  minCount?: number;
  json?: boolean;
}

/** The local comparison's options, on `monitor local` and (for scripts written before it) on `monitor` itself. */
function localOptions(command: Command, required: boolean): Command {
  const option = (flags: string, description: string, parse?: (value: string, previous: string[]) => string[]) =>
    required ? command.requiredOption(flags, description, parse as never) : command.option(flags, description, parse as never);
  option('--model <file>', 'model file written by `jointlab train --out`');
  option('--baseline <file>', 'CSV of the baseline population; repeat to inner-join several files on --id', collect);
  option('--current <file>', 'CSV of the current population; repeat as for --baseline', collect);
  return command
    .option('--id <column>', 'id column to join on', 'id')
    .option('--bins <n>', 'quantile bins of the baseline', positiveInteger, 10)
    .option('--min-count <n>', 'pool adjacent bins until each holds this many rows in both populations', positiveInteger)
    .option('--json', 'print one JSON object');
}

async function monitorLocal(flags: MonitorFlags): Promise<void> {
  const model = readModelFile(flags.model);
  const options = { bins: flags.bins, ...(flags.minCount ? { minCount: flags.minCount } : {}) };
  const frames = [flags.baseline, flags.current].map((files) => {
    const joined = loadJoined(files, flags.id);
    const absent = model.features.filter((f) => !joined.cells.has(f.name)).map((f) => f.name);
    if (absent.length) throw new JointlabError('unknown_column', `${files.join(' + ')}: no column ${absent.map((a) => `"${a}"`).join(', ')} that the model needs`, 'validation');
    return modelFrame(joined, model.features);
  });
  let score: Stability;
  try {
    score = numericStability(await model.predict(frames[0]), await model.predict(frames[1]), options);
  } catch (e) {
    if (e instanceof ModelInputError) throw new JointlabError('model_input', e.message);
    throw e;
  }
  const features = model.features.map((f, j) => ({ name: f.name, ...columnStability(frames[0].columns[j], frames[1].columns[j], options) }));
  if (flags.json) {
    printJson({ model: model.kind, rows: { baseline: frames[0].rows, current: frames[1].rows }, thresholds: STABILITY_THRESHOLDS, score, features });
    return;
  }
  console.log(`score PSI ${fixed(score.index)} (${score.level}) between ${frames[0].rows} baseline and ${frames[1].rows} current rows`);
  console.log(table([['bin', 'baseline', 'current', 'contribution'], ...score.bins.map((b) => [b.label, String(b.baseline), String(b.current), fixed(b.contribution)])]));
  const sorted = features.slice().sort((a, b) => b.index - a.index);
  console.log(table([['feature', 'CSI', 'level'], ...sorted.map((f) => [f.name, fixed(f.index), f.level])]));
}

interface SubmitFlags extends RemoteFlags {
  job: string;
  base?: number;
  current?: number;
  name?: string;
  purpose: string;
}

export function register(program: Command): void {
  const thresholds = `stable under ${STABILITY_THRESHOLDS.watch}, watch to ${STABILITY_THRESHOLDS.shift}, shift from there`;
  const monitor = localOptions(
    program
      .command('monitor')
      .description(`population stability of a model: PSI of its score and CSI of each feature (${thresholds}). Locally on two CSVs (monitor local), or in the enclave on two snapshots of a platform dataset (monitor submit)`)
      .addHelpText('after', '\nThe options above are those of `monitor local`, kept here for scripts that call `jointlab monitor --model ...`.'),
    false,
  ).action(async (flags: Partial<MonitorFlags>) => {
    if (!flags.model || !flags.baseline || !flags.current) {
      throw new JointlabError('missing_option', 'name a subcommand (monitor local, monitor submit), or give --model, --baseline and --current for the local comparison', 'usage');
    }
    await monitorLocal(flags as MonitorFlags);
  });
  localOptions(monitor.command('local').description(`compare a saved model's population between --baseline and --current CSVs (${thresholds})`), true).action(monitorLocal);
  remote(
    monitor
      .command('submit')
      .description("bank: monitor a released model in the enclave: the PSI of its score and the CSI of its platform features between two snapshots of its dataset, on bins of at least k rows; a steward approves it like any job, then read it with jointlab job results ID")
      .requiredOption('--job <id>', 'the released job whose model to monitor (lr, scorecard, mlp or gbdt on platform features only; the platform part of a joint lr or scorecard)')
      .option('--base <version>', 'snapshot to compare from (default: the one the job trained on)', positiveInteger)
      .option('--current <version>', "snapshot to compare with (default: the dataset's latest; see jointlab dataset snapshots NAME)", positiveInteger)
      .option('--name <name>', 'name of the monitor job (default: monitor-<job name>)')
      .option('--purpose <text>', 'why; the steward reads it', 'stability monitoring of a released model'),
  ).action(async (flags: SubmitFlags) => {
    const client = clientOf(flags);
    // The spec names the monitored model's family; the bank's own job view says which it is.
    const target = await client.request<JobView>('GET', `v1/jobs/${encodeURIComponent(flags.job)}`);
    const spec = {
      name: flags.name ?? `monitor-${target.name}`.slice(0, 64),
      purpose: flags.purpose,
      mode: 'monitor',
      model: { family: target.spec.model.family },
      monitor: { job: flags.job, ...(flags.base ? { base: flags.base } : {}), ...(flags.current ? { current: flags.current } : {}) },
    };
    const view = await client.request<JobView>('POST', 'v1/jobs', { json: spec });
    if (flags.json) printJson(view);
    else console.log(`submitted monitor job ${view.id} (${view.name}) of job ${flags.job}: snapshots ${view.spec.monitor?.base} -> ${view.spec.monitor?.current} of "${view.spec.platform?.dataset}"; a steward must approve it, then: jointlab job results ${view.id}`);
  });
}
