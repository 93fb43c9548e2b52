/** `jointlab train`: fit one model family on local CSV files and print its metrics. */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { MODEL_KINDS } from '../models/model';
import { progressBar } from '../lab/progress';
import { train, TrainRequest, TrainResult } from '../lab/train';
import { collect, fraction, integer, keyValue, list } from './options';
import { fixed, printJson, table } from './output';
import { SelectionFlags, addSelectionOptions, selectionFromFlags, selectionLines } from './selection-output';

type TrainFlags = Omit<TrainRequest, 'data' | 'params' | 'onProgress' | 'selection'> & SelectionFlags & {
  data: string[];
  param: Record<string, unknown>;
  out?: string;
  json?: boolean;
};

export function trainSummary(result: TrainResult): Record<string, unknown> {
  const { fitted, ...rest } = result;
  return { ...rest, parameters: fitted.describe() };
}

export function printMetrics(result: TrainResult): void {
  const m = result.metrics;
  console.log(`${result.model} on ${result.rows.train} training and ${result.rows.test} test rows, ${result.features.length} features (backend ${result.backend}, ${result.seconds.toFixed(2)} s)`);
  console.log(
    table([
      ['', 'AUC', 'KS', 'Gini'],
      ['train', fixed(m.train.auc), fixed(m.train.ks), fixed(m.train.gini)],
      ['test', fixed(m.test.auc), fixed(m.test.ks), fixed(m.test.gini)],
    ]),
  );
  if (result.selection) console.log(selectionLines(result.selection));
}

export function register(program: Command): void {
  const command = program
    .command('train')
    .description('train a model on local CSV files (joined on an id column) and report AUC, KS and Gini')
    .requiredOption('--data <file>', 'CSV file; repeat to inner-join several files on --id', collect)
    .option('--id <column>', 'id column to join on', 'id')
    .requiredOption('--label <column>', 'label column holding 0/1 (1 = default)')
    .addOption(new Option('--model <kind>', 'model family').choices([...MODEL_KINDS]).default('lr'))
    .option('--features <list>', 'comma-separated feature columns (default: all but id, label and split column)', list)
    .option('--categorical <list>', 'comma-separated columns to read as categories even if they look numeric', list)
    .option('--test-fraction <f>', 'share of rows held out for testing, stratified on the label', fraction, 0.3)
    .option('--seed <n>', 'seed for the split and the model', integer, 42)
    .option('--split-column <column>', 'column whose values are train/test; overrides --test-fraction')
    .option('--param <key=value>', 'hyper-parameter override, e.g. l2=0.5 or hidden=[64,32]; repeatable', keyValue, {})
    .option('--out <file>', 'save the fitted model as JSON')
    .option('--json', 'print one JSON object instead of text');
  addSelectionOptions(command).action(async (flags: TrainFlags) => {
    const selection = selectionFromFlags(flags);
    const bar = flags.json ? undefined : progressBar(`training ${flags.model}`);
    const { param, out: _out, json: _json, select: _s, criterion: _c, ivMin: _i, maxCorrelation: _mc, maxVif: _mv, maxFeatures: _mf, validationFraction: _vf, ...request } = flags;
    const result = await train({ ...request, params: param, onProgress: bar?.update, ...(selection ? { selection } : {}) });
    bar?.done();
    if (flags.out) writeFileSync(flags.out, JSON.stringify(result.fitted.toJSON()) + '\n');
    if (flags.json) printJson({ ...trainSummary(result), out: flags.out ?? null });
    else {
      printMetrics(result);
      if (flags.out) console.log(`model saved to ${flags.out}`);
    }
  });
}
