/**
 * Feature selection before a logistic regression or scorecard fit: IV filter, correlation and VIF
 * pruning, then forward or stepwise search; returns the kept features and the path that led there.
 */
import { BinningOptions } from '../binning';
import { Encoder, encode, fitEncoder } from '../encoding';
import { Column, Frame } from '../frame';
import { correlationMatrix, pruneCorrelated, pruneVif } from './correlation';
import { binColumn, weakFeatures, woeColumn } from './iv-filter';
import { SelectionOptions, SelectionResult, SelectionStep } from './path';
import { FeatureBlock, searchFeatures } from './stepwise';

export interface SelectionContext {
  family: 'lr' | 'scorecard';
  /** How IV is measured: the scorecard's binning (the enclave adds its k and count noise). */
  binning: BinningOptions;
  /** The penalty of the fits the search compares (the family's own l2). */
  l2: number;
  seed: number;
  /** Logistic regression: the standardization to encode with, listing the frame's columns; fitted on the rows when absent. */
  encoder?: Encoder;
  minLevelCount?: number;
}

/** Mean-imputed values of a numeric column: correlation does not depend on scale, and a gap says nothing linear. */
function imputed(values: Float64Array): Float64Array {
  let sum = 0;
  let count = 0;
  for (const v of values) if (!Number.isNaN(v)) (sum += v), count++;
  const mean = count ? sum / count : 0;
  return values.map((v) => (Number.isNaN(v) ? mean : v));
}

/** The design columns of each feature, in the encoder's layout (a missing indicator, one column per kept level). */
function designBlocks(frame: Frame, encoder: Encoder): Float64Array[][] {
  const design = encode(encoder, frame);
  let at = 0;
  return encoder.columns.map((c) => {
    const width = c.kind === 'numeric' ? 1 + (c.missingIndicator ? 1 : 0) : c.levels.length;
    const block = design.columns.slice(at, at + width);
    at += width;
    return block;
  });
}

export function selectFeatures(frame: Frame, labels: Uint8Array, options: SelectionOptions, context: SelectionContext): SelectionResult {
  const path: SelectionStep[] = [];
  const filter = (feature: string, metric: SelectionStep['metric'], value: number, against?: string): void => {
    path.push({ step: path.length + 1, action: 'filter', feature, metric, value, ...(against !== undefined ? { against } : {}) });
  };
  const binnings = frame.columns.map((c) => binColumn(c, labels, context.binning));
  const woe = frame.columns.map((c, j) => woeColumn(c, binnings[j]));
  let alive = frame.columns.map((_, j) => j);

  if (options.ivMin > 0) {
    const weak = new Set(weakFeatures(binnings, options.ivMin).map((w) => w.feature));
    for (const j of alive) if (weak.has(frame.columns[j].name)) filter(frame.columns[j].name, 'iv', binnings[j].iv);
    alive = alive.filter((j) => !weak.has(frame.columns[j].name));
  }

  // One number per row and feature for correlation and VIF: the WOE a scorecard fits on; for logistic
  // regression the value itself, or the WOE of a category (one column, where one-hot levels would be many).
  const representation = (j: number, column: Column): Float64Array => (context.family === 'lr' && column.kind === 'numeric' ? imputed(column.values) : woe[j]);
  if (options.maxCorrelation < 1 && alive.length > 1) {
    const r = correlationMatrix(alive.map((j) => representation(j, frame.columns[j])));
    const pruned = pruneCorrelated(r, alive.length, alive.map((j) => binnings[j].iv), options.maxCorrelation);
    for (const { dropped, kept, r: value } of pruned) filter(frame.columns[alive[dropped]].name, 'correlation', value, frame.columns[alive[kept]].name);
    const gone = new Set(pruned.map((d) => alive[d.dropped]));
    alive = alive.filter((j) => !gone.has(j));
  }
  if (Number.isFinite(options.maxVif) && alive.length > 1) {
    const r = correlationMatrix(alive.map((j) => representation(j, frame.columns[j])));
    const pruned = pruneVif(r, alive.length, options.maxVif);
    for (const { dropped, vif } of pruned) filter(frame.columns[alive[dropped]].name, 'vif', vif);
    const gone = new Set(pruned.map((d) => alive[d.dropped]));
    alive = alive.filter((j) => !gone.has(j));
  }

  if (options.method === 'none') return { features: alive.map((j) => frame.columns[j].name), path };
  const blocksOf =
    context.family === 'scorecard'
      ? (j: number): Float64Array[] => [woe[j]]
      : (() => {
          const all = designBlocks(frame, context.encoder ?? fitEncoder(frame, context.minLevelCount ?? 1));
          return (j: number): Float64Array[] => all[j];
        })();
  const blocks: FeatureBlock[] = alive.map((j) => ({ name: frame.columns[j].name, columns: blocksOf(j) }));
  const search = searchFeatures(blocks, labels, { method: options.method, criterion: options.criterion, maxFeatures: options.maxFeatures, validationFraction: options.validationFraction, l2: context.l2, seed: context.seed }, path.length + 1);
  return {
    features: search.chosen.map((b) => blocks[b].name),
    path: [...path, ...search.path],
    start: { metric: options.criterion, value: search.start },
    ...(search.validation ? { validation: search.validation } : {}),
  };
}

/** The frame's columns named in `features`, in the frame's order. */
export function keepColumns(frame: Frame, features: readonly string[]): Frame {
  const keep = new Set(features);
  return { rows: frame.rows, columns: frame.columns.filter((c) => keep.has(c.name)) };
}

/** The encoder narrowed to the same columns, so a fit on the narrowed frame standardizes exactly as before. */
export function keepEncoderColumns(encoder: Encoder, features: readonly string[]): Encoder {
  const keep = new Set(features);
  return { features: encoder.features.filter((f) => keep.has(f.name)), columns: encoder.columns.filter((c) => keep.has(c.name)) };
}
