/** The column-oriented table that every model family consumes: numeric columns with NaN for missing, categorical columns with null. */

export interface NumericColumn {
  name: string;
  kind: 'numeric';
  values: Float64Array;
}

export interface CategoricalColumn {
  name: string;
  kind: 'categorical';
  values: (string | null)[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface Frame {
  rows: number;
  columns: Column[];
}

/** What a fitted model remembers about each input column, so scoring can check it gets the same kind. */
export interface FeatureRef {
  name: string;
  kind: Column['kind'];
}

export function featureRefs(frame: Frame): FeatureRef[] {
  return frame.columns.map((c) => ({ name: c.name, kind: c.kind }));
}

/** Rows of `frame` picked by index, in that order. */
export function takeRows(frame: Frame, index: ArrayLike<number>): Frame {
  const columns = frame.columns.map((c): Column => {
    if (c.kind === 'numeric') {
      const values = new Float64Array(index.length);
      for (let i = 0; i < index.length; i++) values[i] = c.values[index[i]];
      return { name: c.name, kind: 'numeric', values };
    }
    const values = new Array<string | null>(index.length);
    for (let i = 0; i < index.length; i++) values[i] = c.values[index[i]];
    return { name: c.name, kind: 'categorical', values };
  });
  return { rows: index.length, columns };
}

export function takeLabels(labels: Uint8Array, index: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = labels[index[i]];
  return out;
}

/** Looks up the frame's columns in the order a model was fitted with; throws naming the first that is missing or of another kind. */
export function assertColumnsMatch(frame: Frame, features: readonly FeatureRef[]): Column[] {
  const byName = new Map(frame.columns.map((c) => [c.name, c]));
  return features.map((f) => {
    const col = byName.get(f.name);
    if (!col) throw new ModelInputError(`column "${f.name}" that the model needs is missing`);
    if (col.kind !== f.kind) throw new ModelInputError(`column "${f.name}" is ${col.kind} but the model was fitted on ${f.kind} values`);
    return col;
  });
}

/** Raised when rows handed to a model do not fit it; the message names columns, never values. */
export class ModelInputError extends Error {
  override name = 'ModelInputError';
}
