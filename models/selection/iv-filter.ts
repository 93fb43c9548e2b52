/** Information value of every feature from the scorecard's WOE binning, and the filter that drops weak ones. */
import { BinningOptions, FeatureBinning, binAssigner, binCategorical, binNumeric, binWoe } from '../binning';
import { Column } from '../frame';

export function binColumn(column: Column, labels: Uint8Array, options: BinningOptions): FeatureBinning {
  return column.kind === 'numeric' ? binNumeric(column, labels, options) : binCategorical(column, labels, options);
}

/** The column replaced by its bins' WOE: one number per row, whatever the column's kind, missing values included. */
export function woeColumn(column: Column, binning: FeatureBinning): Float64Array {
  const assign = binAssigner(binning);
  const values = column.values;
  return Float64Array.from({ length: values.length }, (_, i) => binWoe(binning, assign(values[i])));
}

/** Names of features whose IV is below `ivMin`, in the frame's order, with their IV. */
export function weakFeatures(binnings: readonly FeatureBinning[], ivMin: number): { feature: string; iv: number }[] {
  return binnings.filter((b) => b.iv < ivMin).map((b) => ({ feature: b.name, iv: b.iv }));
}
