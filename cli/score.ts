/** `jointlab score`: score rows of local CSV files with a saved model file. */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadModel } from '../models';
import { ModelInputError } from '../models/frame';
import { frameOf } from '../lab/data/columns';
import { JointlabError } from '../lab/errors';
import { loadJoined } from '../lab/train';
import { collect } from './options';
import { printJson, scoresCsv } from './output';

interface ScoreFlags {
  model: string;
  data: string[];
  id: string;
  out?: string;
  json?: boolean;
}

export function readModelFile(path: string) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new JointlabError('file_not_found', `${path}: cannot read the model file`, 'usage');
  }
  try {
    return loadModel(JSON.parse(text));
  } catch (e) {
    throw new JointlabError('bad_model_file', `${path}: ${e instanceof SyntaxError ? 'not valid JSON' : (e as Error).message}`);
  }
}

export function register(program: Command): void {
  program
    .command('score')
    .description('score rows with a saved model: prints id and probability of default (and points for scorecards) as CSV, with 4 decimals (--json: full precision)')
    .requiredOption('--model <file>', 'model file written by `jointlab train --out`')
    .requiredOption('--data <file>', 'CSV file; repeat to inner-join several files on --id', collect)
    .option('--id <column>', 'id column to join on', 'id')
    .option('--out <file>', 'write the scores to this CSV file instead of stdout')
    .option('--json', 'print one JSON object instead of CSV')
    .action(async (flags: ScoreFlags) => {
      const model = readModelFile(flags.model);
      const joined = loadJoined(flags.data, flags.id);
      const categorical = new Set(model.features.filter((f) => f.kind === 'categorical').map((f) => f.name));
      for (const f of model.features) {
        if (!joined.cells.has(f.name)) throw new JointlabError('unknown_column', `column "${f.name}" that the model needs is not in the data`);
      }
      let scores: Float64Array;
      let points: Float64Array | undefined;
      const frame = frameOf(joined, model.features.map((f) => f.name), categorical);
      try {
        scores = await model.predict(frame);
        points = model.points?.(frame);
      } catch (e) {
        if (e instanceof ModelInputError) throw new JointlabError('model_input', e.message);
        throw e;
      }
      const rows = joined.ids.map((id, i) => ({ id, score: scores[i], ...(points ? { points: points[i] } : {}) }));
      if (flags.json) {
        printJson({ model: model.kind, rows: rows.length, scores: rows, out: flags.out ?? null });
        return;
      }
      const csv = scoresCsv(rows);
      if (flags.out) writeFileSync(flags.out, csv);
      else process.stdout.write(csv);
    });
}
