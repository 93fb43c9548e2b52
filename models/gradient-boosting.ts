/**
 * Gradient-boosted trees for default probability: histogram trees on typed arrays, missing values
 * sent down a learned side, categories split in the order of their default rate, early stopping on a
 * held-out slice of the fit rows.
 */
import { FeatureRef, Frame, assertColumnsMatch, featureRefs } from './frame';
import { Boosted, BoostParams, boost } from './gbdt/boost';
import { addTrees, isLeaf, Tree } from './gbdt/trees';
import { FitContext, FittedModel, ModelFamily, ModelFile } from './model';

export type GradientBoostingParams = BoostParams;

export interface GradientBoostingState {
  features: FeatureRef[];
  /** Log-odds every row starts from: the fit rows' default rate. */
  base: number;
  trees: Tree[];
  importance: number[];
}

class GradientBoostingModel implements FittedModel {
  readonly kind = 'gbdt' as const;
  constructor(
    readonly params: GradientBoostingParams,
    readonly state: GradientBoostingState,
  ) {}

  get features() {
    return this.state.features;
  }

  /** The summed log-odds of each row. */
  logOdds(frame: Frame): Float64Array {
    const columns = assertColumnsMatch(frame, this.state.features);
    const raw = new Float64Array(frame.rows).fill(this.state.base);
    addTrees(this.state.trees, columns, frame.rows, raw);
    return raw;
  }

  async predict(frame: Frame): Promise<Float64Array> {
    const raw = this.logOdds(frame);
    for (let i = 0; i < raw.length; i++) raw[i] = 1 / (1 + Math.exp(-raw[i]));
    return raw;
  }

  describe(): Record<string, unknown> {
    const { trees, importance, features } = this.state;
    const total = importance.reduce((a, b) => a + b, 0) || 1;
    const leaves = trees.map((t) => t.filter(isLeaf).length);
    return {
      trees: trees.length,
      leaves: { total: leaves.reduce((a, b) => a + b, 0), mostInOneTree: Math.max(0, ...leaves) },
      depth: this.params.maxDepth,
      learningRate: this.params.learningRate,
      importance: features
        .map((f, j) => ({ name: f.name, share: importance[j] / total }))
        .sort((a, b) => b.share - a.share),
    };
  }

  toJSON(): ModelFile<GradientBoostingState> {
    return { format: 'jointlab-model', version: 1, kind: 'gbdt', features: this.features, params: { ...this.params }, state: this.state };
  }
}

export const gradientBoosting: ModelFamily<GradientBoostingParams> = {
  kind: 'gbdt',
  defaults: {
    rounds: 500,
    learningRate: 0.05,
    maxDepth: 4,
    minChildWeight: 1,
    minChildRows: 20,
    l2: 1,
    minGain: 0,
    maxBins: 255,
    minLevelCount: 1,
    rowSample: 0.8,
    columnSample: 0.8,
    validationFraction: 0.1,
    patience: 15,
  },

  async fit(frame: Frame, labels: Uint8Array, params: GradientBoostingParams, context: FitContext): Promise<FittedModel> {
    const fitted: Boosted = boost(frame, labels, params, context.seed, (round, rounds) => context.onProgress?.(round, rounds, `tree ${round}`));
    return new GradientBoostingModel(params, { features: featureRefs(frame), base: fitted.base, trees: fitted.trees, importance: fitted.importance });
  },

  load(file: ModelFile): FittedModel {
    return new GradientBoostingModel(file.params as unknown as GradientBoostingParams, file.state as GradientBoostingState);
  },
};
