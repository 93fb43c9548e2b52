/**
 * One regression tree grown on gradient histograms, level by level: every split is a bin threshold
 * with missing values sent to the side that gains more, and no child may hold fewer rows than
 * `minChildRows` (the enclave sets it to k) or less hessian than `minChildWeight`.
 */
import { MAX_BINS, MISSING_BIN } from './bins';

export interface TreeParams {
  maxDepth: number;
  minChildWeight: number;
  minChildRows: number;
  l2: number;
  /** Smallest gain worth a split. */
  minGain: number;
  learningRate: number;
}

/** A tree in bin space, flat: node n is a leaf when feature[n] < 0. */
export interface BinTree {
  feature: number[];
  /** Left holds bins 1..threshold[n] (and bin 0 when missingLeft[n]). */
  threshold: number[];
  missingLeft: boolean[];
  left: number[];
  right: number[];
  /** Leaf value (learning rate applied) or 0 for inner nodes. */
  value: number[];
  /** Rows of the fit sample reaching the node. */
  count: number[];
  gain: number[];
}

/** What the grower reads: the binned rows and this round's gradients. */
export interface GrowInput {
  binned: Uint8Array;
  width: number;
  binCounts: number[];
  /** Per feature, the last bin a left side may end at (bins.ts lastThreshold). */
  lastThreshold: number[];
  grad: Float64Array;
  hess: Float64Array;
  /** Row indices of this round's sample; reordered in place as nodes split. */
  sample: Uint32Array;
  /** Features this tree may split on. */
  features: number[];
  /** Buffers reused across nodes and trees, so that growing allocates (and collects) almost nothing. */
  scratch: Scratch;
}

/** Histograms no longer in use, and room for the rows a partition moves right. */
export interface Scratch {
  histograms: Float64Array[];
  right: Uint32Array;
}

export const newScratch = (rows: number): Scratch => ({ histograms: [], right: new Uint32Array(rows) });

const STRIDE = (MAX_BINS + 1) * 3;

/** Leaf values to four decimals of log-odds: finer than any effect on a score, coarser than one row's. */
export const roundLeaf = (value: number): number => Math.round(value * 1e4) / 1e4 + 0;

/** Sums of gradient, hessian and rows per (feature, bin) over rows[start, end). */
function histogram(input: GrowInput, start: number, end: number): Float64Array {
  const { binned, width, grad, hess, sample, features } = input;
  const reused = input.scratch.histograms.pop();
  const hist = reused && reused.length === width * STRIDE ? reused.fill(0) : new Float64Array(width * STRIDE);
  for (let s = start; s < end; s++) {
    const r = sample[s];
    const g = grad[r];
    const h = hess[r];
    const base = r * width;
    for (let k = 0; k < features.length; k++) {
      const j = features[k];
      const at = j * STRIDE + binned[base + j] * 3;
      hist[at] += g;
      hist[at + 1] += h;
      hist[at + 2] += 1;
    }
  }
  return hist;
}

/** Gradient and hessian sums over rows[start, end). */
function sums(input: GrowInput, start: number, end: number): [number, number] {
  let g = 0;
  let h = 0;
  for (let s = start; s < end; s++) {
    g += input.grad[input.sample[s]];
    h += input.hess[input.sample[s]];
  }
  return [g, h];
}

interface Split {
  feature: number;
  threshold: number;
  missingLeft: boolean;
  gain: number;
}

function bestSplit(input: GrowInput, hist: Float64Array, G: number, H: number, count: number, p: TreeParams): Split | undefined {
  const parent = (G * G) / (H + p.l2);
  let best: Split | undefined;
  for (const j of input.features) {
    const base = j * STRIDE;
    const last = input.lastThreshold[j];
    const gm = hist[base + MISSING_BIN * 3];
    const hm = hist[base + MISSING_BIN * 3 + 1];
    const cm = hist[base + MISSING_BIN * 3 + 2];
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let t = 1; t <= last; t++) {
      gl += hist[base + t * 3];
      hl += hist[base + t * 3 + 1];
      cl += hist[base + t * 3 + 2];
      for (let side = 0; side < 2; side++) {
        const missingLeft = side === 0;
        if (!missingLeft && cm === 0) continue;
        const GL = missingLeft ? gl + gm : gl;
        const HL = missingLeft ? hl + hm : hl;
        const CL = missingLeft ? cl + cm : cl;
        const CR = count - CL;
        const HR = H - HL;
        if (CL < p.minChildRows || CR < p.minChildRows || HL < p.minChildWeight || HR < p.minChildWeight) continue;
        const GR = G - GL;
        const gain = (GL * GL) / (HL + p.l2) + (GR * GR) / (HR + p.l2) - parent;
        if (gain > p.minGain && (!best || gain > best.gain)) best = { feature: j, threshold: t, missingLeft, gain };
      }
    }
  }
  return best;
}

/** Moves rows going left to the front of [start, end); returns where the right child begins. */
function partition(input: GrowInput, start: number, end: number, split: Split): number {
  const { binned, width, sample } = input;
  const right = input.scratch.right;
  let moved = 0;
  let write = start;
  for (let s = start; s < end; s++) {
    const r = sample[s];
    const bin = binned[r * width + split.feature];
    const left = bin === MISSING_BIN ? split.missingLeft : bin <= split.threshold;
    if (left) sample[write++] = r;
    else right[moved++] = r;
  }
  sample.set(right.subarray(0, moved), write);
  return write;
}

interface Pending {
  node: number;
  start: number;
  end: number;
  depth: number;
  hist: Float64Array;
}

export function growTree(input: GrowInput, p: TreeParams): BinTree {
  const tree: BinTree = { feature: [], threshold: [], missingLeft: [], left: [], right: [], value: [], count: [], gain: [] };
  const addNode = (rows: number): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.missingLeft.push(false);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    tree.count.push(rows);
    tree.gain.push(0);
    return tree.feature.length - 1;
  };
  const totals = (hist: Float64Array): [number, number, number] => {
    // Every row lands in exactly one bin of any feature: one feature's bins give the node's totals.
    const base = input.features[0] * STRIDE;
    let g = 0;
    let h = 0;
    let c = 0;
    for (let b = 0; b < input.binCounts[input.features[0]]; b++) {
      g += hist[base + b * 3];
      h += hist[base + b * 3 + 1];
      c += hist[base + b * 3 + 2];
    }
    return [g, h, c];
  };
  // Rounded as released, and boosting goes on from the rounded value so the metrics describe the released trees.
  const setLeaf = (node: number, G: number, H: number): void => {
    tree.value[node] = roundLeaf((-G / (H + p.l2)) * p.learningRate);
  };
  const queue: Pending[] = [{ node: addNode(input.sample.length), start: 0, end: input.sample.length, depth: 0, hist: histogram(input, 0, input.sample.length) }];
  while (queue.length) {
    const { node, start, end, depth, hist } = queue.shift()!;
    const [G, H, count] = totals(hist);
    const split = depth < p.maxDepth && count >= 2 * p.minChildRows ? bestSplit(input, hist, G, H, count, p) : undefined;
    if (!split) {
      setLeaf(node, G, H);
      input.scratch.histograms.push(hist);
      continue;
    }
    const middle = partition(input, start, end, split);
    const leftNode = addNode(middle - start);
    const rightNode = addNode(end - middle);
    tree.feature[node] = split.feature;
    tree.threshold[node] = split.threshold;
    tree.missingLeft[node] = split.missingLeft;
    tree.left[node] = leftNode;
    tree.right[node] = rightNode;
    tree.gain[node] = split.gain;
    if (depth + 1 >= p.maxDepth) {
      // Children at the depth limit are leaves: their sums are enough, no histogram is needed.
      const [gl, hl] = sums(input, start, middle);
      const [gr, hr] = sums(input, middle, end);
      setLeaf(leftNode, gl, hl);
      setLeaf(rightNode, gr, hr);
      input.scratch.histograms.push(hist);
      continue;
    }
    // Build the smaller child's histogram and take the larger one's as the parent's minus it.
    const leftSmaller = middle - start <= end - middle;
    const small = leftSmaller ? histogram(input, start, middle) : histogram(input, middle, end);
    const large = hist;
    for (let k = 0; k < large.length; k++) large[k] -= small[k];
    queue.push(
      { node: leftNode, start, end: middle, depth: depth + 1, hist: leftSmaller ? small : large },
      { node: rightNode, start: middle, end, depth: depth + 1, hist: leftSmaller ? large : small },
    );
  }
  return tree;
}

/** The leaf a binned row reaches. */
export function leafOf(tree: BinTree, binned: Uint8Array, width: number, row: number): number {
  let n = 0;
  while (tree.feature[n] >= 0) {
    const bin = binned[row * width + tree.feature[n]];
    const left = bin === MISSING_BIN ? tree.missingLeft[n] : bin <= tree.threshold[n];
    n = left ? tree.left[n] : tree.right[n];
  }
  return n;
}
