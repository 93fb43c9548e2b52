/**
 * Trains a small MLP (ReLU hidden layers, sigmoid output) in plain double-precision JavaScript: Adam on
 * minibatches, inverted dropout, an L2 penalty on weights and early stopping on a validation slice,
 * the same recipe as the TensorFlow.js path. For nets of a few thousand parameters the per-operation
 * cost of a tensor library outweighs the arithmetic, and loops over row-major Float64Arrays are faster.
 */
import type { DenseLayer, MlpParams } from './mlp';
import { Random } from './random';

/** The hyper-parameters the training loop reads (the rest of MlpParams shapes the net or the split). */
export type MlpTraining = Pick<MlpParams, 'dropout' | 'learningRate' | 'batchSize' | 'maxEpochs' | 'patience' | 'tolerance' | 'l2'>;

export interface MlpTrained {
  layers: DenseLayer[];
  epochs: number;
  bestEpoch: number;
  validationLoss: number;
}

/** Adam's constants as TensorFlow.js sets them (its epsilon is the backend's, 1e-7). */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/**
 * One dense layer's parameters and their Adam moments. The weights are kept both ways round: `wt`
 * (outputs x inputs, which Adam updates) for the forward pass and the weight gradient, `w` (inputs x
 * outputs, refreshed after each step) for passing gradients back; each kernel then reads contiguously.
 */
interface Layer {
  inputs: number;
  outputs: number;
  w: Float64Array;
  wt: Float64Array;
  b: Float64Array;
  gwt: Float64Array;
  gb: Float64Array;
  mw: Float64Array;
  vw: Float64Array;
  mb: Float64Array;
  vb: Float64Array;
}

/** out (cols x rows) = the transpose of a (rows x cols). */
function transpose(a: Float64Array, rows: number, cols: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const r0 = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[r0 + c];
  }
}

/**
 * out (rows x outputs) = input (rows x inputs) . w + b, then ReLU when `relu`: two rows and four
 * outputs at a time, each a dot product along a contiguous row of wt summed in registers, so each
 * weight read serves two rows (every sum adds its terms in the same order as one at a time).
 */
function dense(input: Float64Array, rows: number, layer: Layer, out: Float64Array, relu: boolean): void {
  const { inputs, outputs } = layer;
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const i0 = r * inputs;
    const i1 = i0 + inputs;
    const o0 = r * outputs;
    const o1 = o0 + outputs;
    let o = 0;
    for (; o + 3 < outputs; o += 4) dense2x4(input, i0, i1, layer, o, out, o0, o1, relu);
    for (; o < outputs; o++) {
      out[o0 + o] = denseOne(input, i0, layer, o, relu);
      out[o1 + o] = denseOne(input, i1, layer, o, relu);
    }
  }
  for (; r < rows; r++) {
    const i0 = r * inputs;
    const o0 = r * outputs;
    for (let o = 0; o < outputs; o++) out[o0 + o] = denseOne(input, i0, layer, o, relu);
  }
}

/** Outputs o..o+3 of the rows starting at i0 and i1 of input, into out at o0 + o and o1 + o. */
function dense2x4(input: Float64Array, i0: number, i1: number, layer: Layer, o: number, out: Float64Array, o0: number, o1: number, relu: boolean): void {
  const { inputs, wt, b } = layer;
  const a0 = o * inputs;
  const a1 = a0 + inputs;
  const a2 = a1 + inputs;
  const a3 = a2 + inputs;
  let s0 = b[o];
  let s1 = b[o + 1];
  let s2 = b[o + 2];
  let s3 = b[o + 3];
  let t0 = s0;
  let t1 = s1;
  let t2 = s2;
  let t3 = s3;
  for (let k = 0; k < inputs; k++) {
    const v = input[i0 + k];
    const u = input[i1 + k];
    const w0 = wt[a0 + k];
    const w1 = wt[a1 + k];
    const w2 = wt[a2 + k];
    const w3 = wt[a3 + k];
    s0 += v * w0;
    s1 += v * w1;
    s2 += v * w2;
    s3 += v * w3;
    t0 += u * w0;
    t1 += u * w1;
    t2 += u * w2;
    t3 += u * w3;
  }
  const floor = relu ? 0 : -Infinity;
  out[o0 + o] = Math.max(s0, floor);
  out[o0 + o + 1] = Math.max(s1, floor);
  out[o0 + o + 2] = Math.max(s2, floor);
  out[o0 + o + 3] = Math.max(s3, floor);
  out[o1 + o] = Math.max(t0, floor);
  out[o1 + o + 1] = Math.max(t1, floor);
  out[o1 + o + 2] = Math.max(t2, floor);
  out[o1 + o + 3] = Math.max(t3, floor);
}

/** Output o of the row starting at i0 of input. */
function denseOne(input: Float64Array, i0: number, layer: Layer, o: number, relu: boolean): number {
  const { inputs, wt, b } = layer;
  const a0 = o * inputs;
  let s0 = b[o];
  for (let k = 0; k < inputs; k++) s0 += input[i0 + k] * wt[a0 + k];
  return Math.max(s0, relu ? 0 : -Infinity);
}

/**
 * The layer's gradients from its input and dL/d(out), both transposed (inputs x rows, outputs x rows):
 * gwt = delta^T input + 2 l2 wt and gb = row sums of delta^T, as dot products along the batch, two
 * outputs and four inputs at a time so that each value read serves several sums (each sum still adds
 * its rows in order).
 */
function gradients(inputT: Float64Array, deltaT: Float64Array, rows: number, layer: Layer, l2: number): void {
  const { inputs, outputs, wt, gwt, gb } = layer;
  for (let o = 0; o < outputs; o++) {
    const d0 = o * rows;
    let sb = 0;
    for (let r = 0; r < rows; r++) sb += deltaT[d0 + r];
    gb[o] = sb;
  }
  let o = 0;
  for (; o + 1 < outputs; o += 2) {
    let k = 0;
    for (; k + 3 < inputs; k += 4) gradient2x4(inputT, deltaT, rows, o, k, inputs, wt, gwt, l2);
    for (; k < inputs; k++) {
      gwt[o * inputs + k] = gradientOne(inputT, deltaT, rows, o, k) + 2 * l2 * wt[o * inputs + k];
      gwt[(o + 1) * inputs + k] = gradientOne(inputT, deltaT, rows, o + 1, k) + 2 * l2 * wt[(o + 1) * inputs + k];
    }
  }
  for (; o < outputs; o++) for (let k = 0; k < inputs; k++) gwt[o * inputs + k] = gradientOne(inputT, deltaT, rows, o, k) + 2 * l2 * wt[o * inputs + k];
}

/** gwt for outputs o, o+1 and inputs k..k+3. */
function gradient2x4(inputT: Float64Array, deltaT: Float64Array, rows: number, o: number, k: number, inputs: number, wt: Float64Array, gwt: Float64Array, l2: number): void {
  const d0 = o * rows;
  const d1 = d0 + rows;
  const x0 = k * rows;
  const x1 = x0 + rows;
  const x2 = x1 + rows;
  const x3 = x2 + rows;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t0 = 0;
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  for (let r = 0; r < rows; r++) {
    const d = deltaT[d0 + r];
    const e = deltaT[d1 + r];
    const v0 = inputT[x0 + r];
    const v1 = inputT[x1 + r];
    const v2 = inputT[x2 + r];
    const v3 = inputT[x3 + r];
    s0 += d * v0;
    s1 += d * v1;
    s2 += d * v2;
    s3 += d * v3;
    t0 += e * v0;
    t1 += e * v1;
    t2 += e * v2;
    t3 += e * v3;
  }
  const g0 = o * inputs + k;
  const g1 = g0 + inputs;
  gwt[g0] = s0 + 2 * l2 * wt[g0];
  gwt[g0 + 1] = s1 + 2 * l2 * wt[g0 + 1];
  gwt[g0 + 2] = s2 + 2 * l2 * wt[g0 + 2];
  gwt[g0 + 3] = s3 + 2 * l2 * wt[g0 + 3];
  gwt[g1] = t0 + 2 * l2 * wt[g1];
  gwt[g1 + 1] = t1 + 2 * l2 * wt[g1 + 1];
  gwt[g1 + 2] = t2 + 2 * l2 * wt[g1 + 2];
  gwt[g1 + 3] = t3 + 2 * l2 * wt[g1 + 3];
}

/** delta^T input for output o and input k, over the batch's rows. */
function gradientOne(inputT: Float64Array, deltaT: Float64Array, rows: number, o: number, k: number): number {
  const d0 = o * rows;
  const x0 = k * rows;
  let s = 0;
  for (let r = 0; r < rows; r++) s += deltaT[d0 + r] * inputT[x0 + r];
  return s;
}

/**
 * dL/d(input) (rows x inputs) = delta . w^T where the input was positive, times `scale` (dropout's
 * 1 / keep); zero where ReLU was off or dropout dropped the unit, whose gradient is zero.
 */
function backprop(input: Float64Array, rows: number, layer: Layer, delta: Float64Array, back: Float64Array, scale: number): void {
  const { inputs, outputs, w } = layer;
  for (let r = 0; r < rows; r++) {
    const i0 = r * inputs;
    const d0 = r * outputs;
    for (let k = 0; k < inputs; k++) {
      if (!(input[i0 + k] > 0)) {
        back[i0 + k] = 0;
        continue;
      }
      const w0 = k * outputs;
      let s = 0;
      for (let o = 0; o < outputs; o++) s += delta[d0 + o] * w[w0 + o];
      back[i0 + k] = s * scale;
    }
  }
}

/** One Adam step as TensorFlow.js writes it: epsilon added to the bias-corrected second moment's root. */
function adam(param: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array, rate: number, correct1: number, correct2: number): void {
  for (let j = 0; j < param.length; j++) {
    const g = grad[j];
    m[j] = BETA1 * m[j] + (1 - BETA1) * g;
    v[j] = BETA2 * v[j] + (1 - BETA2) * g * g;
    param[j] -= (rate * (m[j] / correct1)) / (Math.sqrt(v[j] / correct2) + EPSILON);
  }
}

/** Mean sigmoid cross-entropy of logits z against labels, stable for large |z|. */
function meanLogLoss(z: Float64Array, rows: number, y: ArrayLike<number>, index: Int32Array): number {
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const v = z[r];
    loss += Math.max(v, 0) - v * y[index[r]] + Math.log1p(Math.exp(-Math.abs(v)));
  }
  return loss / rows;
}

/** Inverted dropout: h[j] = 0 where mask[j] falls under the threshold, h[j] / keep elsewhere. */
function applyDropout(h: Float64Array, mask: Uint32Array, units: number, threshold: number, keep: number): void {
  for (let j = 0; j < units; j++) h[j] = mask[j] < threshold ? 0 : h[j] / keep;
}

/** Copies rows `index[from..from+count)` of the row-major x (width columns) into out. */
function gatherRows(x: Float64Array, width: number, index: Int32Array, from: number, count: number, out: Float64Array): void {
  for (let r = 0; r < count; r++) {
    const src = index[from + r] * width;
    const dst = r * width;
    for (let k = 0; k < width; k++) out[dst + k] = x[src + k];
  }
}

/**
 * Trains from `initial` on the rows `train` of x (row-major, width columns), stopping when the
 * validation loss on `valid` has not improved by 1e-6 for `patience` epochs; returns the best epoch's
 * layers. `random` draws the batch order and one dropout seed per batch, in the order the TensorFlow.js
 * path draws them.
 */
export function trainMlp(
  x: Float64Array,
  width: number,
  labels: Uint8Array,
  train: Int32Array,
  valid: Int32Array,
  initial: DenseLayer[],
  params: MlpTraining,
  random: Random,
  onEpoch?: (epoch: number, loss: number) => void,
): MlpTrained {
  const layers: Layer[] = initial.map((l) => {
    const size = l.inputs * l.outputs;
    const w = Float64Array.from(l.weights);
    const wt = new Float64Array(size);
    transpose(w, l.inputs, l.outputs, wt);
    return {
      inputs: l.inputs,
      outputs: l.outputs,
      w,
      wt,
      b: Float64Array.from(l.bias),
      gwt: new Float64Array(size),
      gb: new Float64Array(l.outputs),
      mw: new Float64Array(size),
      vw: new Float64Array(size),
      mb: new Float64Array(l.outputs),
      vb: new Float64Array(l.outputs),
    };
  });
  const depth = layers.length;
  const batchMax = Math.max(1, Math.min(params.batchSize, train.length));
  const rowsMax = Math.max(batchMax, valid.length);
  // Activations per layer (0 is the input batch) and their gradients, sized for the larger of a batch and the validation slice.
  const acts = [width, ...layers.map((l) => l.outputs)].map((w) => new Float64Array(rowsMax * w));
  const deltas = [width, ...layers.map((l) => l.outputs)].map((w) => new Float64Array(batchMax * w));
  const actsT = [width, ...layers.map((l) => l.outputs)].map((w) => new Float64Array(batchMax * w));
  const deltaT = new Float64Array(batchMax * Math.max(...layers.map((l) => l.outputs)));
  const validX = new Float64Array(valid.length * width);
  gatherRows(x, width, valid, 0, valid.length, validX);
  const keep = 1 - params.dropout;
  const dropThreshold = params.dropout * 4294967296;

  let best = initial;
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let epoch = 0;
  let step = 0;
  const order = Int32Array.from(train);
  // One draw per hidden unit and row of a minibatch, in the order the units are computed.
  const mask = new Uint32Array(batchMax * Math.max(0, ...layers.slice(0, -1).map((l) => l.outputs)));
  for (epoch = 1; epoch <= params.maxEpochs; epoch++) {
    random.shuffle(order);
    for (let start = 0; start < order.length; start += params.batchSize) {
      const rows = Math.min(params.batchSize, order.length - start);
      const dropout = new Random(random.nextUint32());
      gatherRows(x, width, order, start, rows, acts[0]);
      for (let l = 0; l < depth; l++) {
        const hidden = l < depth - 1;
        dense(acts[l], rows, layers[l], acts[l + 1], hidden);
        if (hidden && params.dropout > 0) {
          const units = rows * layers[l].outputs;
          dropout.fillUint32(mask, units);
          applyDropout(acts[l + 1], mask, units, dropThreshold, keep);
        }
      }
      // d(mean log-loss)/dz = (sigmoid(z) - y) / rows at the output.
      const z = acts[depth];
      const top = deltas[depth];
      for (let r = 0; r < rows; r++) top[r] = (1 / (1 + Math.exp(-z[r])) - labels[order[start + r]]) / rows;
      for (let l = depth - 1; l >= 0; l--) {
        const layer = layers[l];
        transpose(acts[l], rows, layer.inputs, actsT[l]);
        transpose(deltas[l + 1], rows, layer.outputs, deltaT);
        gradients(actsT[l], deltaT, rows, layer, params.l2);
        if (l > 0) backprop(acts[l], rows, layer, deltas[l + 1], deltas[l], 1 / keep);
      }
      step++;
      const [correct1, correct2] = [1 - BETA1 ** step, 1 - BETA2 ** step];
      for (const layer of layers) {
        adam(layer.wt, layer.gwt, layer.mw, layer.vw, params.learningRate, correct1, correct2);
        adam(layer.b, layer.gb, layer.mb, layer.vb, params.learningRate, correct1, correct2);
        transpose(layer.wt, layer.outputs, layer.inputs, layer.w);
      }
    }
    // Validation loss without dropout.
    for (let l = 0; l < depth; l++) dense(l === 0 ? validX : acts[l], valid.length, layers[l], acts[l + 1], l < depth - 1);
    const loss = meanLogLoss(acts[depth], valid.length, labels, valid);
    if (loss < bestLoss - params.tolerance) {
      bestLoss = loss;
      bestEpoch = epoch;
      best = layers.map((l) => ({ inputs: l.inputs, outputs: l.outputs, weights: Array.from(l.w), bias: Array.from(l.b) }));
    }
    onEpoch?.(epoch, loss);
    if (epoch - bestEpoch >= params.patience) break;
  }
  return { layers: best, epochs: Math.min(epoch, params.maxEpochs), bestEpoch, validationLoss: bestLoss };
}
