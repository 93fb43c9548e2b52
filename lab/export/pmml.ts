/**
 * PMML 4.4 export, so banks can load a released model into their decision engines: logistic
 * regression as a RegressionModel (standardization, missing-value indicators and one-hot levels as
 * derived fields, exactly as the model scores), scorecards as a Scorecard with reason codes, and
 * boosted trees as a MiningModel (pmml-trees.ts).
 * Numbers are written with JavaScript's shortest round-trip form, so nothing is lost in the file.
 */
import { FeatureBinning } from '../../models/binning';
import { EncodedColumn, MISSING_LEVEL } from '../../models/encoding';
import { LogisticState } from '../../models/logistic-regression';
import { ModelFile } from '../../models/model';
import { ScorecardState } from '../../models/scorecard';
import { JointlabError } from '../errors';
import { escapeXml } from '../text';
import { ModelParts, splitModel } from '../model-parts';
import { PLATFORM_PART_FIELD, PmmlOptions, dataDictionary, derivedName, header, miningSchema, n, stringArray } from './pmml-document';
import { treesPmml } from './pmml-trees';

export { PLATFORM_PART_FIELD, derivedName };
export type { PmmlOptions };

export const PMML_KINDS = ['lr', 'scorecard', 'gbdt'] as const;

/** The shapes a released model can be exported in: jointlab's own JSON, or PMML 4.4. */
export const MODEL_FORMATS = ['json', 'pmml'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

const constant = (x: number): string => `<Constant dataType="double">${n(x)}</Constant>`;

/** Derived fields and regression terms of one encoded column, in the order of the design matrix. */
function logisticTerms(column: EncodedColumn, weights: number[], at: number): { fields: string[]; terms: string[]; width: number } {
  const field = `<FieldRef field="${escapeXml(column.name)}"/>`;
  if (column.kind === 'numeric') {
    const std = derivedName.standardized(column.name);
    // Mean imputation: a missing value standardizes to 0, so the division maps a missing input to 0.
    const fields = [
      `      <DerivedField name="${escapeXml(std)}" optype="continuous" dataType="double"><Apply function="/" mapMissingTo="0"><Apply function="-">${field}${constant(column.mean)}</Apply>${constant(column.scale)}</Apply></DerivedField>`,
    ];
    const terms = [`      <NumericPredictor name="${escapeXml(std)}" coefficient="${n(weights[at])}"/>`];
    if (column.missingIndicator) {
      const missing = derivedName.missing(column.name);
      fields.push(
        `      <DerivedField name="${escapeXml(missing)}" optype="continuous" dataType="double"><Apply function="if"><Apply function="isMissing">${field}</Apply>${constant(1)}${constant(0)}</Apply></DerivedField>`,
      );
      terms.push(`      <NumericPredictor name="${escapeXml(missing)}" coefficient="${n(weights[at + 1])}"/>`);
    }
    return { fields, terms, width: terms.length };
  }
  // A missing category is its own level, as the encoder treats it; unseen levels match no predictor.
  const level = derivedName.level(column.name);
  return {
    fields: [`      <DerivedField name="${escapeXml(level)}" optype="categorical" dataType="string"><FieldRef field="${escapeXml(column.name)}" mapMissingTo="${escapeXml(MISSING_LEVEL)}"/></DerivedField>`],
    terms: column.levels.map((value, k) => `      <CategoricalPredictor name="${escapeXml(level)}" value="${escapeXml(value)}" coefficient="${n(weights[at + k])}"/>`),
    width: column.levels.length,
  };
}

/** `split`: only the bank's features, with the platform part an input added to the log-odds. */
function logisticPmml(file: ModelFile, options: PmmlOptions, split?: ModelParts): string {
  const state = file.state as LogisticState;
  const bank = split ? new Set(split.bank.map((f) => f.name)) : undefined;
  const fields: string[] = [];
  const terms: string[] = [];
  let at = 0;
  for (const column of state.encoder.columns) {
    const part = logisticTerms(column, state.weights, at);
    if (!bank || bank.has(column.name)) {
      fields.push(...part.fields);
      terms.push(...part.terms);
    }
    at += part.width;
  }
  if (at !== state.weights.length) throw new JointlabError('bad_model_file', 'the model file has more weights than its encoder has columns', 'validation');
  const extra = split ? [PLATFORM_PART_FIELD] : [];
  if (split) terms.push(`      <NumericPredictor name="${PLATFORM_PART_FIELD}" coefficient="1"/>`);
  const features = split ? split.bank : file.features;
  return [
    ...header(
      options,
      split
        ? `bank part of a joint logistic regression on standardized features; the input ${PLATFORM_PART_FIELD} is the platform features' log-odds the enclave returns for a consented applicant; probability of the target value 1`
        : 'logistic regression on standardized features; probability of the target value 1',
    ),
    ...dataDictionary(features, options.target, extra),
    `  <RegressionModel modelName="${escapeXml(options.modelName)}" functionName="classification" normalizationMethod="logit">`,
    ...miningSchema(features, options.target, extra),
    '    <Output>',
    `      <OutputField name="probability_1" optype="continuous" dataType="double" feature="probability" value="1"/>`,
    '    </Output>',
    ...(fields.length ? ['    <LocalTransformations>', ...fields, '    </LocalTransformations>'] : []),
    `    <RegressionTable targetCategory="1" intercept="${n(state.intercept)}">`,
    ...terms,
    '    </RegressionTable>',
    '    <RegressionTable targetCategory="0" intercept="0"/>',
    '  </RegressionModel>',
    '</PMML>',
    '',
  ].join('\n');
}

/** The characteristic's attributes in PMML's first-match order: missing first, then the bins. */
function binPredicates(binning: FeatureBinning, field: string): { predicate: string; bin: number }[] {
  const missing = { predicate: `<SimplePredicate field="${field}" operator="isMissing"/>`, bin: -1 };
  if (binning.kind === 'numeric') {
    // Bin i holds edges[i-1] < x <= edges[i]: in order, "x <= edge" picks the first bin that holds x.
    const ranges = binning.edges.map((edge, i) => ({ predicate: `<SimplePredicate field="${field}" operator="lessOrEqual" value="${n(edge)}"/>`, bin: i }));
    return [missing, ...ranges, { predicate: '<True/>', bin: binning.edges.length }];
  }
  const listed = binning.bins
    .map((_, bin) => ({ bin, levels: binning.levelBins.filter(([, b]) => b === bin).map(([level]) => level) }))
    .filter((b) => b.bin !== binning.otherBin && b.levels.length > 0)
    .map((b) => ({ predicate: `<SimpleSetPredicate field="${field}" booleanOperator="isIn">${stringArray(b.levels)}</SimpleSetPredicate>`, bin: b.bin }));
  // Levels the training data did not list fall into the "other" bin, as the scorecard assigns them.
  return [missing, ...listed, { predicate: '<True/>', bin: binning.otherBin }];
}

/** `split`: only the bank's characteristics, plus one whose points are the platform part, an input. */
function scorecardPmml(file: ModelFile, options: PmmlOptions, split?: ModelParts): string {
  const state = file.state as ScorecardState;
  const { factor, offset, intercept } = state;
  const bank = split ? new Set(split.bank.map((f) => f.name)) : undefined;
  const selected = state.selected.filter(({ feature }) => !bank || bank.has(state.binnings[feature].name));
  // PMML wants at least one characteristic; a card of the intercept alone scores everyone the same.
  if (!selected.length && !split) throw new JointlabError('not_exportable', 'the scorecard has no feature in its regression, so there is nothing to export', 'validation');
  const characteristics = selected.map(({ feature, coefficient }) => {
    const binning = state.binnings[feature];
    const field = escapeXml(binning.name);
    const pointsOf = (bin: number): number => -factor * coefficient * (bin < 0 ? binning.missing.woe : binning.bins[bin].woe);
    const attributes = binPredicates(binning, field);
    const best = Math.max(...attributes.map((a) => pointsOf(a.bin)));
    return [
      `      <Characteristic name="${escapeXml(`${binning.name} points`)}" reasonCode="${field}" baselineScore="${n(best)}">`,
      ...attributes.map((a) => `        <Attribute partialScore="${n(pointsOf(a.bin))}">${a.predicate}</Attribute>`),
      '      </Characteristic>',
    ].join('\n');
  });
  if (split) {
    // PMML 4.4's ComplexPartialScore: the attribute's points are an expression, here the input itself.
    // Its baseline 0 makes it a reason code when the platform features cost the applicant points.
    characteristics.push(
      [
        `      <Characteristic name="platform part points" reasonCode="${PLATFORM_PART_FIELD}" baselineScore="0">`,
        `        <Attribute><True/><ComplexPartialScore><FieldRef field="${PLATFORM_PART_FIELD}"/></ComplexPartialScore></Attribute>`,
        '      </Characteristic>',
      ].join('\n'),
    );
  }
  const extra = split ? [PLATFORM_PART_FIELD] : [];
  const features = split ? split.bank : file.features;
  const reasons = options.reasonCodes ?? 3;
  return [
    ...header(
      options,
      split
        ? `bank part of a joint credit scorecard: points per bin of the bank's features plus the input ${PLATFORM_PART_FIELD}, the platform features' points the enclave returns for a consented applicant; higher is safer`
        : 'credit scorecard: points per bin, higher is safer; reason codes name the features that cost the most points',
    ),
    ...dataDictionary(features, undefined, extra),
    `  <Scorecard modelName="${escapeXml(options.modelName)}" functionName="regression" useReasonCodes="true" reasonCodeAlgorithm="pointsBelow" initialScore="${n(offset - factor * intercept)}" baselineMethod="other">`,
    ...miningSchema(features, undefined, extra),
    '    <Output>',
    '      <OutputField name="points" optype="continuous" dataType="double" feature="predictedValue"/>',
    ...Array.from({ length: reasons }, (_, i) => `      <OutputField name="reason_${i + 1}" optype="categorical" dataType="string" feature="reasonCode" rank="${i + 1}"/>`),
    '    </Output>',
    '    <Characteristics>',
    ...characteristics,
    '    </Characteristics>',
    '  </Scorecard>',
    '</PMML>',
    '',
  ].join('\n');
}

export function toPmml(file: ModelFile, options: PmmlOptions): string {
  if (file.kind === 'lr') return logisticPmml(file, options);
  if (file.kind === 'scorecard') return scorecardPmml(file, options);
  if (file.kind === 'gbdt') return treesPmml(file, options);
  throw new JointlabError('not_exportable', `PMML export covers ${PMML_KINDS.join(', ')} models; a ${file.kind} model exports as JSON only`, 'validation');
}

/**
 * The bank's part of a joint logistic regression or scorecard as PMML 4.4, with an extra input field
 * `platform_part` (log-odds or points) for what the enclave returns: the document then scores an
 * applicant as the whole model does. An MLP cannot be split and is refused with the alternatives.
 */
export function toBankPartPmml(file: ModelFile, platformColumns: Iterable<string>, options: PmmlOptions): string {
  const split = splitModel(file, platformColumns);
  if (split.bank.some((f) => f.name === PLATFORM_PART_FIELD)) throw new JointlabError('not_exportable', `a bank feature is named "${PLATFORM_PART_FIELD}", the input field of the platform part`, 'validation');
  return split.kind === 'lr' ? logisticPmml(file, options, split) : scorecardPmml(file, options, split);
}
