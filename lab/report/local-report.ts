/**
 * The model report of a local model file (`jointlab train --out`): the page a job's report is, with
 * its figures computed here on rows that hold the label. Nothing is coarsened: the rows are the
 * user's own, so every curve has a point at each tie boundary and every count is exact (k = 1).
 */
import { basename } from 'node:path';
import { exactCurves } from '../../models/curves';
import { ModelInputError } from '../../models/frame';
import { BinaryMetrics, binaryMetrics } from '../../models/metrics';
import { FittedModel } from '../../models/model';
import { frameOf, labelsOf } from '../data/columns';
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
}

export interface LocalReport {
  html: string;
  label: string;
  rows: number;
  metrics: BinaryMetrics;
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

export async function localReport(request: LocalReportRequest): Promise<LocalReport> {
  const { model } = request;
  const joined = loadJoined(request.data, request.id);
  for (const f of model.features) {
    if (!joined.cells.has(f.name)) throw new JointlabError('unknown_column', `column "${f.name}" that the model needs is not in the data`);
  }
  const label = labelColumn(joined, model, request.label);
  const labels = labelsOf(joined, label);
  let positive = 0;
  for (const y of labels) positive += y;
  if (positive === 0 || positive === labels.length) throw new JointlabError('one_class', `the label "${label}" holds only one value in the data; a report needs both 0 and 1`);
  const categorical = new Set(model.features.filter((f) => f.kind === 'categorical').map((f) => f.name));
  const frame = frameOf(joined, model.features.map((f) => f.name), categorical);
  let scores: Float64Array;
  try {
    scores = await model.predict(frame);
  } catch (e) {
    if (e instanceof ModelInputError) throw new JointlabError('model_input', e.message);
    throw e;
  }
  const metrics = binaryMetrics(labels, scores);
  const files = request.data.map((d) => basename(d));
  const name = basename(request.modelFile).replace(/\.json$/, '');
  const input: ReportInput = {
    id: request.modelFile,
    name,
    intro: `Local model ${basename(request.modelFile)}: ${model.kind} model of ${label}, evaluated on the ${labels.length} rows of ${files.join(' joined with ')}. Figures are exact: the rows are yours, so nothing is coarsened to k rows as in the enclave.`,
    metricsCaption: 'Metrics on the given rows',
    rowsName: `rows of ${files.join(' + ')}`,
    testPart: 'data',
    metrics: { test: metrics, rows: { test: labels.length } },
    curves: exactCurves(labels, scores),
    description: model.describe(),
    withheld: [],
    k: 1,
    noTrainMetrics: 'the report scores the given rows only (compare with the train AUC `jointlab train` printed)',
    footer: 'Drawn by jointlab report --model from a local model file and local rows; the scorecard bin counts are those of the training rows.',
  };
  return { html: renderReport(input), label, rows: labels.length, metrics };
}
