/** Feature selection for logistic regression and scorecards: options, the path, and the one entry point. */
export * from './path';
export { selectFeatures, keepColumns, keepEncoderColumns } from './select';
export type { SelectionContext } from './select';
export { selectionContext } from './context';

/** The families selection runs for. */
export function selectsFeatures(family: string): family is 'lr' | 'scorecard' {
  return family === 'lr' || family === 'scorecard';
}
