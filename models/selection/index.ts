/** Feature selection for logistic regression and scorecards: options, the path, and the one entry point. */
export * from './path';
export { selectFeatures, keepColumns, keepEncoderColumns } from './select';
export type { SelectionContext } from './select';
