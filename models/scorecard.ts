/**
 * Credit scorecard: monotonic WOE binning per feature, logistic regression on the WOE values, and
 * points scaled so that `baseScore` stands for odds of `baseOdds` (good:bad) and every `pdo` points
 * double the odds.
 */
import { Frame, assertColumnsMatch, featureRefs, FeatureRef } from './frame';
import { FeatureBinning, binAssigner, binCategorical, binNumeric, binWoe } from './binning';
import { fitLogistic } from './logistic-core';
import { sigmoid } from './linalg';
import { FitContext, FittedModel, ModelFamily, ModelFile } from './model';

export interface ScorecardParams {
  initialBins: number;
  minBinShare: number;
  /** Fewest rows any bin may stand for; the enclave sets it to the dataset's k. */
  minBinCount: number;
  monotonic: boolean;
  /** Features whose information value is below this are binned and reported but left out of the fit. */
  minIv: number;
  l2: number;
  baseScore: number;
  baseOdds: number;
  pdo: number;
}

export interface ScorecardState {
  features: FeatureRef[];
  binnings: FeatureBinning[];
  /** Index into `binnings` of each feature in the regression, with its coefficient on WOE. */
  selected: { feature: number; coefficient: number }[];
  intercept: number;
  factor: number;
  offset: number;
}

class ScorecardModel implements FittedModel {
  readonly kind = 'scorecard' as const;
  constructor(
    readonly params: ScorecardParams,
    readonly state: ScorecardState,
  ) {}

  get features() {
    return this.state.features;
  }

  /** The linear predictor (log-odds of default) for each row. */
  private logOdds(frame: Frame): Float64Array {
    const columns = assertColumnsMatch(frame, this.state.features);
    const z = new Float64Array(frame.rows).fill(this.state.intercept);
    for (const { feature, coefficient } of this.state.selected) {
      const binning = this.state.binnings[feature];
      const column = columns[feature];
      const assign = binAssigner(binning);
      for (let i = 0; i < frame.rows; i++) z[i] += coefficient * binWoe(binning, assign(column.values[i]));
    }
    return z;
  }

  async predict(frame: Frame): Promise<Float64Array> {
    return this.logOdds(frame).map(sigmoid);
  }

  /** Scorecard points per row: higher means safer, as credit officers read them. */
  points(frame: Frame): Float64Array {
    const { offset, factor } = this.state;
    return this.logOdds(frame).map((z) => offset - factor * z);
  }

  describe(): Record<string, unknown> {
    const { factor, offset, intercept, selected, binnings } = this.state;
    const coefficientOf = new Map(selected.map((s) => [s.feature, s.coefficient]));
    return {
      basePoints: offset - factor * intercept,
      scaling: { baseScore: this.params.baseScore, baseOdds: this.params.baseOdds, pdo: this.params.pdo },
      intercept,
      features: binnings.map((b, j) => {
        const coefficient = coefficientOf.get(j);
        const pointsOf = (woe: number): number => (coefficient === undefined ? 0 : -factor * coefficient * woe);
        return {
          name: b.name,
          iv: b.iv,
          inModel: coefficient !== undefined,
          coefficient: coefficient ?? null,
          bins: [...b.bins, b.missing].map((bin) => ({ ...bin, points: pointsOf(bin.woe) })),
        };
      }),
    };
  }

  toJSON(): ModelFile<ScorecardState> {
    return { format: 'jointlab-model', version: 1, kind: 'scorecard', features: this.features, params: { ...this.params }, state: this.state };
  }
}

export const scorecard: ModelFamily<ScorecardParams> = {
  kind: 'scorecard',
  defaults: { initialBins: 20, minBinShare: 0.05, minBinCount: 0, monotonic: true, minIv: 0, l2: 1, baseScore: 600, baseOdds: 50, pdo: 20 },

  async fit(frame: Frame, labels: Uint8Array, params: ScorecardParams, context: FitContext): Promise<FittedModel> {
    const total = frame.columns.length + 1;
    const binnings = frame.columns.map((column, j) => {
      context.onProgress?.(j, total, `binning ${column.name}`);
      const options = { ...params, ...(context.countNoise ? { countNoise: context.countNoise } : {}), ...(context.flags ? { isFlag: context.flags.has(column.name) } : {}) };
      return column.kind === 'numeric' ? binNumeric(column, labels, options) : binCategorical(column, labels, options);
    });
    const chosen = binnings.flatMap((b, j) => (b.iv >= params.minIv ? [j] : []));
    // With no informative feature the card is the intercept alone: the base rate.
    const n = frame.rows;
    const woeColumns = chosen.map((feature) => {
      const binning = binnings[feature];
      const assign = binAssigner(binning);
      const values = frame.columns[feature].values;
      return Float64Array.from({ length: n }, (_, i) => binWoe(binning, assign(values[i])));
    });
    context.onProgress?.(frame.columns.length, total, 'regression on WOE');
    const fit = fitLogistic(woeColumns, labels, n, { l2: params.l2 });
    const factor = params.pdo / Math.LN2;
    return new ScorecardModel(params, {
      features: featureRefs(frame),
      binnings,
      selected: chosen.map((feature, k) => ({ feature, coefficient: fit.weights[k] })),
      intercept: fit.intercept,
      factor,
      offset: params.baseScore - factor * Math.log(params.baseOdds),
    });
  },

  load(file: ModelFile): FittedModel {
    return new ScorecardModel(file.params as unknown as ScorecardParams, file.state as ScorecardState);
  },
};
