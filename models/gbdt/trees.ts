/**
 * Trees as saved and scored: splits on column values rather than bin numbers, so a model file scores
 * new rows without the bins it was grown on (and reads the way PMML writes it).
 */
import { Column } from '../frame';
import { ColumnBins } from './bins';
import { BinTree } from './tree';

export type TreeNode =
  /** Numeric: values <= `upTo` go left (null: every non-missing value goes left). */
  | { feature: number; upTo: number | null; missing: 'left' | 'right'; left: number; right: number; count: number; gain: number }
  /** Categorical: the listed levels go left; other levels, unseen ones included, go right. */
  | { feature: number; levels: string[]; missing: 'left' | 'right'; left: number; right: number; count: number; gain: number }
  | { value: number; count: number };

export type Tree = TreeNode[];

export const isLeaf = (node: TreeNode): node is { value: number; count: number } => 'value' in node;

/** Rewrites a bin-space tree on the columns' values. */
export function toValueTree(tree: BinTree, bins: readonly ColumnBins[]): Tree {
  return tree.feature.map((feature, n): TreeNode => {
    if (feature < 0) return { value: tree.value[n], count: tree.count[n] };
    const b = bins[feature];
    const t = tree.threshold[n];
    const common = { feature, missing: tree.missingLeft[n] ? ('left' as const) : ('right' as const), left: tree.left[n], right: tree.right[n], count: tree.count[n], gain: Number(tree.gain[n].toPrecision(3)) };
    if (b.kind === 'categorical') return { ...common, levels: b.levels.slice(0, t) };
    return { ...common, upTo: t <= b.uppers.length ? b.uppers[t - 1] : null };
  });
}

/** A tree laid out in typed arrays for scoring many rows; node n is a leaf when feature[n] < 0. */
interface FlatTree {
  feature: Int32Array;
  upTo: Float64Array;
  levels: (Set<string> | undefined)[];
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

function flatten(tree: Tree): FlatTree {
  const n = tree.length;
  const flat: FlatTree = { feature: new Int32Array(n), upTo: new Float64Array(n), levels: new Array(n), missingLeft: new Uint8Array(n), left: new Int32Array(n), right: new Int32Array(n), value: new Float64Array(n) };
  tree.forEach((node, i) => {
    if (isLeaf(node)) {
      flat.feature[i] = -1;
      flat.value[i] = node.value;
      return;
    }
    flat.feature[i] = node.feature;
    flat.missingLeft[i] = node.missing === 'left' ? 1 : 0;
    flat.left[i] = node.left;
    flat.right[i] = node.right;
    if ('levels' in node) flat.levels[i] = new Set(node.levels);
    else flat.upTo[i] = node.upTo ?? Infinity;
  });
  return flat;
}

/** Each tree's typed layout, made once per tree: a model scores many frames (the scoring rule scores one per feature). */
const flattened = new WeakMap<Tree, FlatTree>();
const flat = (tree: Tree): FlatTree => {
  let f = flattened.get(tree);
  if (!f) flattened.set(tree, (f = flatten(tree)));
  return f;
};

/** Adds each tree's leaf value to `raw` for every row. */
export function addTrees(trees: readonly Tree[], columns: readonly Column[], rows: number, raw: Float64Array): void {
  for (const tree of trees.map(flat)) {
    for (let i = 0; i < rows; i++) {
      let n = 0;
      while (tree.feature[n] >= 0) {
        const column = columns[tree.feature[n]];
        const levels = tree.levels[n];
        let left: boolean;
        if (levels) {
          const v = (column.values as (string | null)[])[i];
          left = v === null ? tree.missingLeft[n] === 1 : levels.has(v);
        } else {
          const v = (column.values as Float64Array)[i];
          left = Number.isNaN(v) ? tree.missingLeft[n] === 1 : v <= tree.upTo[n];
        }
        n = left ? tree.left[n] : tree.right[n];
      }
      raw[i] += tree.value[n];
    }
  }
}
