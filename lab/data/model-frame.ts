/** Joined string cells typed the way a fitted model expects them, whatever the few rows at hand happen to hold. */
import { FeatureRef, Frame } from '../../models/frame';
import { frameOf, isMissingCell } from './columns';
import { JoinedTable } from './join';

/**
 * The frame of `features` over `joined`. Typing from the cells alone reads a numeric column whose
 * cells are all missing (one applicant without a figure) as categorical; here the model's kind
 * decides, so such a column is numeric with every value missing, as the model scores it.
 */
export function modelFrame(joined: JoinedTable, features: readonly FeatureRef[]): Frame {
  const categorical = new Set(features.filter((f) => f.kind === 'categorical').map((f) => f.name));
  const frame = frameOf(joined, features.map((f) => f.name), categorical);
  frame.columns = frame.columns.map((column, j) => {
    if (features[j].kind === 'numeric' && column.kind === 'categorical' && (joined.cells.get(column.name) ?? []).every((c) => isMissingCell(c, 'numeric'))) {
      return { name: column.name, kind: 'numeric', values: new Float64Array(frame.rows).fill(NaN) };
    }
    return column;
  });
  return frame;
}
