/**
 * The model report of a local model file (`jointlab train --out`): the page a job's report is, with
 * its figures computed here on rows that hold the label. Nothing is coarsened: the rows are the
 * user's own, so every curve has a point at each tie boundary and every count is exact (k = 1).
 */
import { basename } from 'node:path';
import { exactCurves } from '../../models/curves';
import { ModelInputError, takeLabels } from '../../models/frame';
import { BinaryMetrics, binaryMetrics } from '../../models/metrics';
import { FittedModel } from '../../models/model';
import { stratifiedSplit } from '../../models/split';
import { frameOf, labelsOf, splitOf } from '../data/columns';
import { JoinedTable } from '../data/join';
import { JointlabError } from '../errors';
import { loadJoined } from '../train';
import { ReportInput, renderReport } from './page';

export interface LocalReportRequest {
  model: FittedModel;
  /** The model file's path, as the page names it. */
  modelFile: string;
  data: string[];
  id: string;
  /** The 0/1 label column; found when the data has exactly one 0/1 column the model does not use. */
  label?: string;
  /**
   * The hold-out `jointlab train` made, to measure train and test rows apart as a job's report does
   * (the same files, fraction and seed give the same split). Absent: every row is scored together.
   */
  split?: { testFraction: number; seed: number } | { column: string };
}

export interface LocalReport {
  html: string;
  label: string;
  rows: { train?: number; test: number };
  /** On the test rows, or on every row without a split. */
  metrics: BinaryMetrics;
  train?: BinaryMetrics;
}

const isFlagCell = (c: string): boolean => ['0', '1', '0.0', '1.0'].includes(c.trim());

/** The label the user meant: named, or the only 0/1 column that is not one of the model's features. */
function labelColumn(joined: JoinedTable, model: FittedModel, named?: string): string {
  if (named) return named;
  const features = new Set(model.features.map((f) => f.name));
  const candidates = joined.names.filter((n) => !features.has(n) && (joined.cells.get(n) ?? []).every(isFlagCell));
  if (candidates.length === 1) return candidates[0];
  const which = candidates.length ? `the data has several 0/1 columns the model does not use: ${candidates.join(', ')}` : 'the data has no 0/1 column besides the model\'s features';
  throw new JointlabError('missing_label', `name the label column with --label: ${which}`, 'usage');
}

const renamed = ({ rest, held }: { rest: Int32Array; held: Int32Array }): { train: Int32Array; test: Int32Array } => ({ train: rest, test: held });

function assertBothClasses(labels: Uint8Array, label: string, part: string): void {
  let positive = 0;
  for (const y of labels) positive += y;
  if (positive === 0 || positive === labels.length) throw new JointlabError('one_class', `the label "${label}" holds only one value in the ${part}; a report needs both 0 and 1`);
}

export async function localReport(request: LocalReportRequest): Promise<LocalReport> {
  const { model } = request;
  const joined = loadJoined(request.data, request.id);
  for (const f of model.features) {
    if (!joined.cells.has(f.name)) throw new JointlabError('unknown_column', `column "${f.name}" that the model needs is not in the data`);
  }
  const label = labelColumn(joined, model, request.label);
  const labels = labelsOf(joined, label);
  const categorical = new Set(model.features.filter((f) => f.kind === 'categorical').map((f) => f.name));
  const frame = frameOf(joined, model.features.map((f) => f.name), categorical);
  let scores: Float64Array;
  try {
    scores = await model.predict(frame);
  } catch (e) {
    if (e instanceof ModelInputError) throw new JointlabError('model_input', e.message);
    throw e;
  }
  const files = request.data.map((d) => basename(d));
  const name = basename(request.modelFile).replace(/\.json$/, '');
  const split = request.split;
  const parts = !split ? undefined : 'column' in split ? splitOf(joined, split.column) : renamed(stratifiedSplit(labels, split.testFraction, split.seed));
  if (parts && parts.test.length === 0) throw new JointlabError('no_test_rows', 'the split leaves no test rows to measure', 'usage');
  const test = parts ? { labels: takeLabels(labels, parts.test), scores: Float64Array.from(parts.test, (i) => scores[i]) } : { labels, scores };
  assertBothClasses(test.labels, label, parts ? 'test rows' : 'data');
  const metrics = binaryMetrics(test.labels, test.scores);
  const train = parts && parts.train.length ? binaryMetrics(takeLabels(labels, parts.train), Float64Array.from(parts.train, (i) => scores[i])) : undefined;
  const rows = parts ? { train: parts.train.length, test: parts.test.length } : { test: labels.length };
  const how = !split ? `scored on all ${labels.length} rows of ${files.join(' joined with ')}` : `measured on the hold-out of ${files.join(' joined with ')} (${'column' in split ? `column ${split.column}` : `test fraction ${split.testFraction}, seed ${split.seed}`}): ${rows.train} train and ${rows.test} test rows`;
  const input: ReportInput = {
    id: request.modelFile,
    name,
    intro: `Local model ${basename(request.modelFile)}: ${model.kind} model of ${label}, ${how}. Figures are exact: the rows are yours, so nothing is coarsened to k rows as in the enclave.${split ? '' : ' If these rows include the ones the model was trained on, the figures are optimistic: give --test-fraction and --seed (or --split-column) as given to jointlab train to measure the held-out rows alone.'}`,
    metricsCaption: split ? 'Metrics' : 'Metrics on the given rows',
    rowsName: split ? 'test rows' : `rows of ${files.join(' + ')}`,
    testPart: split ? 'test' : 'data',
    metrics: { ...(train ? { train } : {}), test: metrics, rows },
    curves: exactCurves(test.labels, test.scores),
    description: model.describe(),
    withheld: [],
    k: 1,
    ...(train ? {} : { noTrainMetrics: 'no train rows were named (give --test-fraction and --seed as given to jointlab train)' }),
    footer: 'Drawn by jointlab report --model from a local model file and local rows; the scorecard bin counts are those of the training rows.',
  };
  return { html: renderReport(input), label, rows, metrics, ...(train ? { train } : {}) };
}
