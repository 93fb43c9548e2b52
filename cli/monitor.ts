/**
 * `jointlab monitor`: how far a saved model's population moved between a baseline and a current set of
 * rows: the PSI of its score and the CSI of each feature, with the usual thresholds (0.1, 0.25).
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

interface MonitorFlags {
  model: string;
  baseline: string[];
  current: string[];
  id: string;
  bins: number;
  minCount?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('monitor')
    .description(`population stability of a saved model: PSI of its score and CSI of each feature between --baseline and --current rows (stable under ${STABILITY_THRESHOLDS.watch}, watch to ${STABILITY_THRESHOLDS.shift}, shift above)`)
    .requiredOption('--model <file>', 'model file written by `jointlab train --out`')
    .requiredOption('--baseline <file>', 'CSV of the baseline population; repeat to inner-join several files on --id', collect)
    .requiredOption('--current <file>', 'CSV of the current population; repeat as for --baseline', collect)
    .option('--id <column>', 'id column to join on', 'id')
    .option('--bins <n>', 'quantile bins of the baseline', positiveInteger, 10)
    .option('--min-count <n>', 'pool adjacent bins until each holds this many rows in both populations', positiveInteger)
    .option('--json', 'print one JSON object')
    .action(async (flags: MonitorFlags) => {
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
    });
}
