/** The registry of model families: fit by kind, load a saved model file. */
import { FeatureRef } from './frame';
import { gradientBoosting } from './gradient-boosting';
import { logisticRegression } from './logistic-regression';
import { mlp } from './mlp';
import { FittedModel, MODEL_KINDS, ModelFamily, ModelFile, ModelKind } from './model';
import { scorecard } from './scorecard';

export const families: { [K in ModelKind]: ModelFamily<object> } = {
  lr: logisticRegression as unknown as ModelFamily<object>,
  scorecard: scorecard as unknown as ModelFamily<object>,
  mlp: mlp as unknown as ModelFamily<object>,
  gbdt: gradientBoosting as unknown as ModelFamily<object>,
};

export function isModelKind(value: string): value is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(value);
}

/** Checks the envelope of a parsed model file and rebuilds the model; throws a plain message on anything else. */
export function loadModel(json: unknown): FittedModel {
  const file = json as Partial<ModelFile>;
  if (!file || typeof file !== 'object' || file.format !== 'jointlab-model') throw new Error('not a jointlab model file');
  if (file.version !== 1) throw new Error(`unsupported model file version ${String(file.version)}`);
  if (typeof file.kind !== 'string' || !isModelKind(file.kind)) throw new Error('model file names an unknown model kind');
  if (!Array.isArray(file.features) || !file.state || typeof file.state !== 'object') throw new Error('model file is incomplete');
  return families[file.kind].load(file as ModelFile);
}

export type { FittedModel, ModelFile, ModelKind, FeatureRef };
