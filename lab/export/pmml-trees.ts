/**
 * Boosted trees in PMML 4.4: a MiningModel that sums its TreeModel segments into the log-odds (the
 * base log-odds as the target's rescale constant), then a probability output computed from it.
 * Each tree follows its missing-value side through `defaultChild`, as the model scores.
 */
import { GradientBoostingState } from '../../models/gradient-boosting';
import { isLeaf, Tree } from '../../models/gbdt/trees';
import { ModelFile } from '../../models/model';
import { escapeXml } from '../text';
import { PmmlOptions, dataDictionary, header, miningSchema, n, stringArray } from './pmml-document';

/** The nodes of one tree, from `at` down, each inner node naming the child missing values take. */
function nodeXml(tree: Tree, at: number, predicate: string, file: ModelFile, indent: string): string[] {
  const node = tree[at];
  const id = `n${at}`;
  if (isLeaf(node)) return [`${indent}<Node id="${id}" score="${n(node.value)}">${predicate}</Node>`];
  const field = escapeXml(file.features[node.feature].name);
  const leftPredicate =
    'levels' in node
      ? `<SimpleSetPredicate field="${field}" booleanOperator="isIn">${stringArray(node.levels)}</SimpleSetPredicate>`
      : node.upTo === null
        ? `<SimplePredicate field="${field}" operator="isNotMissing"/>`
        : `<SimplePredicate field="${field}" operator="lessOrEqual" value="${n(node.upTo)}"/>`;
  const missingChild = node.missing === 'left' ? node.left : node.right;
  return [
    `${indent}<Node id="${id}" defaultChild="n${missingChild}">${predicate}`,
    // The right child takes every value the left one does not (other and unseen levels included).
    ...nodeXml(tree, node.left, leftPredicate, file, `${indent}  `),
    ...nodeXml(tree, node.right, '<True/>', file, `${indent}  `),
    `${indent}</Node>`,
  ];
}

export function treesPmml(file: ModelFile, options: PmmlOptions): string {
  const state = file.state as GradientBoostingState;
  const segments = state.trees.map((tree, t) => [
    `      <Segment id="${t + 1}"><True/>`,
    `        <TreeModel functionName="regression" missingValueStrategy="defaultChild" noTrueChildStrategy="returnLastPrediction" splitCharacteristic="binarySplit">`,
    ...miningSchema(file.features).map((line) => `      ${line}`),
    ...nodeXml(tree, 0, '<True/>', file, '          '),
    '        </TreeModel>',
    '      </Segment>',
  ].join('\n'));
  return [
    ...header(options, `gradient-boosted trees: ${state.trees.length} trees summed into the log-odds of default`),
    ...dataDictionary(file.features),
    `  <MiningModel modelName="${escapeXml(options.modelName)}" functionName="regression">`,
    ...miningSchema(file.features),
    '    <Output>',
    '      <OutputField name="logOdds" optype="continuous" dataType="double" feature="predictedValue"/>',
    '      <OutputField name="probability" optype="continuous" dataType="double" feature="transformedValue">',
    '        <Apply function="/"><Constant dataType="double">1</Constant><Apply function="+"><Constant dataType="double">1</Constant><Apply function="exp"><Apply function="*"><Constant dataType="double">-1</Constant><FieldRef field="logOdds"/></Apply></Apply></Apply></Apply>',
    '      </OutputField>',
    '    </Output>',
    // The trees start from the fit rows' log-odds, added once to their sum.
    `    <Targets><Target rescaleConstant="${n(state.base)}"/></Targets>`,
    '    <Segmentation multipleModelMethod="sum">',
    ...segments,
    '    </Segmentation>',
    '  </MiningModel>',
    '</PMML>',
    '',
  ].join('\n');
}
