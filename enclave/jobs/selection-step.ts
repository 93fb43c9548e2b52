/** Feature selection inside the training worker, before the fit: the kept columns narrow the rows and the encoder alike. */
import { Encoder } from '../../models/encoding';
import { Frame } from '../../models/frame';
import { ModelKind } from '../../models/model';
import { SelectionOptions, SelectionResult, keepColumns, keepEncoderColumns, selectFeatures, selectionContext, selectsFeatures } from '../../models/selection';
import { cellNoise, noiseFromKey } from '../release/population';

export interface SelectionInput {
  options: SelectionOptions;
  /** The dataset's k: IV is measured on bins of at least this many rows. */
  minBinCount: number;
  /** The population's noise key: bin counts carry the same noise as a released scorecard's. */
  noiseKey: string;
}

/** Raised when the filters leave nothing to fit; the runner turns the code into a fixed reason. */
export class NoFeatureSelected extends Error {
  readonly code = 'no_features_selected';
}

export function runSelection(
  family: ModelKind,
  params: Record<string, unknown>,
  seed: number,
  selection: SelectionInput,
  data: { train: { frame: Frame; labels: Uint8Array }; test: { frame: Frame; labels: Uint8Array }; encoder?: Encoder },
): { selection: SelectionResult; train: { frame: Frame; labels: Uint8Array }; test: { frame: Frame; labels: Uint8Array }; encoder?: Encoder } {
  // Submission refuses every other family; this is the second guard.
  if (!selectsFeatures(family)) throw new Error('feature selection runs for lr and scorecard');
  const context = selectionContext(family, params, seed, {
    ...(data.encoder ? { encoder: data.encoder } : {}),
    countNoise: cellNoise(noiseFromKey(selection.noiseKey)),
    minBinCount: selection.minBinCount,
  });
  const result = selectFeatures(data.train.frame, data.train.labels, selection.options, context);
  if (!result.features.length) throw new NoFeatureSelected('feature selection kept no feature');
  return {
    selection: result,
    train: { frame: keepColumns(data.train.frame, result.features), labels: data.train.labels },
    test: { frame: keepColumns(data.test.frame, result.features), labels: data.test.labels },
    ...(data.encoder ? { encoder: keepEncoderColumns(data.encoder, result.features) } : {}),
  };
}
