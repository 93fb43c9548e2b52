/** The local lab's training run: read and join CSV files, split, fit one model family, measure it. */
import { families } from '../models';
import { takeLabels, takeRows } from '../models/frame';
import { BinaryMetrics, binaryMetrics } from '../models/metrics';
import { FittedModel, ModelKind } from '../models/model';
import { stratifiedSplit } from '../models/split';
import { SelectionOptions, SelectionResult, keepColumns, selectFeatures, selectionContext, selectsFeatures } from '../models/selection';
import { loadTensorflow } from '../models/tf-backend';
import { readCsvFile } from './data/csv';
import { frameOf, labelsOf, splitOf } from './data/columns';
import { JoinedTable, innerJoin } from './data/join';
import { JointlabError } from './errors';
import { mergeParams } from './params';
import { ProgressFn } from './progress';

export interface TrainRequest {
  data: string[];
  id: string;
  label: string;
  model: ModelKind;
  features?: string[];
  categorical?: string[];
  /** Hold-out by a train/test column; otherwise by `testFraction` and `seed`, stratified on the label. */
  splitColumn?: string;
  testFraction: number;
  seed: number;
  /** Overrides of the family's default hyper-parameters. */
  params?: Record<string, unknown>;
  /** Feature selection on the training rows before the fit (lr and scorecard). */
  selection?: SelectionOptions;
  onProgress?: ProgressFn;
}

export interface TrainResult {
  model: ModelKind;
  /** What computed the fit: the TensorFlow.js backend for the MLP, `js` for the families written in TypeScript. */
  backend: string;
  features: string[];
  rows: { train: number; test: number };
  metrics: { train: BinaryMetrics; test: BinaryMetrics };
  seconds: number;
  fitted: FittedModel;
  /** The kept features and the path to them, when selection ran. */
  selection?: SelectionResult;
}

export function loadJoined(files: string[], id: string): JoinedTable {
  return innerJoin(files.map((source) => ({ source, table: readCsvFile(source) })), id, '--id');
}

/** All columns but the id, label and split column, unless the caller names them. */
export function chooseFeatures(joined: JoinedTable, request: Pick<TrainRequest, 'features' | 'label' | 'splitColumn'>): string[] {
  if (request.features?.length) {
    for (const f of request.features) {
      if (!joined.cells.has(f)) throw new JointlabError('unknown_column', `there is no column "${f}"; columns are: ${joined.names.join(', ')}`);
      if (f === request.label) throw new JointlabError('label_as_feature', `the label "${f}" cannot also be a feature`);
    }
    return request.features;
  }
  const features = joined.names.filter((n) => n !== request.label && n !== request.splitColumn);
  if (features.length === 0) throw new JointlabError('no_features', 'there is no column left to use as a feature');
  return features;
}

function assertBothClasses(labels: Uint8Array, part: string): void {
  let pos = 0;
  for (const y of labels) pos += y;
  if (pos === 0 || pos === labels.length) {
    throw new JointlabError('one_class', `the ${part} rows hold only one label value; both 0 and 1 are needed`);
  }
}

export async function train(request: TrainRequest): Promise<TrainResult> {
  const started = process.hrtime.bigint();
  const joined = loadJoined(request.data, request.id);
  const labels = labelsOf(joined, request.label);
  const features = chooseFeatures(joined, request);
  const frame = frameOf(joined, features, new Set(request.categorical ?? []));
  let parts: { train: Int32Array; test: Int32Array };
  if (request.splitColumn) {
    parts = splitOf(joined, request.splitColumn);
  } else {
    if (!(request.testFraction >= 0 && request.testFraction < 1)) {
      throw new JointlabError('bad_test_fraction', '--test-fraction must be at least 0 and below 1', 'usage');
    }
    const { rest, held } = stratifiedSplit(labels, request.testFraction, request.seed);
    parts = { train: rest, test: held };
  }
  let trainFrame = takeRows(frame, parts.train);
  const trainLabels = takeLabels(labels, parts.train);
  assertBothClasses(trainLabels, 'training');
  const family = families[request.model];
  const params = mergeParams(family.defaults, request.params);
  let selection: SelectionResult | undefined;
  let kept = features;
  if (request.selection) {
    if (!selectsFeatures(request.model)) throw new JointlabError('selection_family', `feature selection applies to lr and scorecard, not ${request.model}`, 'usage');
    request.onProgress?.(0, 1, 'selecting features');
    selection = selectFeatures(trainFrame, trainLabels, request.selection, selectionContext(request.model, params, request.seed));
    if (!selection.features.length) throw new JointlabError('no_features_selected', 'feature selection kept no feature; lower --iv-min or raise --max-correlation or --max-vif');
    kept = features.filter((f) => selection!.features.includes(f));
    trainFrame = keepColumns(trainFrame, kept);
  }
  const fitted = await family.fit(trainFrame, trainLabels, params, { seed: request.seed, onProgress: request.onProgress });
  const testLabels = takeLabels(labels, parts.test);
  const empty = { auc: NaN, ks: NaN, gini: NaN };
  const metrics = {
    train: binaryMetrics(trainLabels, await fitted.predict(trainFrame)),
    test: parts.test.length ? binaryMetrics(testLabels, await fitted.predict(keepColumns(takeRows(frame, parts.test), kept))) : empty,
  };
  const backend = request.model === 'mlp' ? (await loadTensorflow()).backend : 'js';
  return {
    model: request.model,
    backend,
    features: kept,
    rows: { train: parts.train.length, test: parts.test.length },
    metrics,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    fitted,
    ...(selection ? { selection } : {}),
  };
}
