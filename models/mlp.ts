/**
 * A small multilayer perceptron (ReLU hidden layers, sigmoid output) trained with Adam, with dropout
 * and early stopping on a validation slice: in plain JavaScript (mlp-train.ts) up to JS_MAX_PARAMETERS
 * parameters, on TensorFlow.js above. Everything random comes from the seed: weight initialization,
 * the validation slice, batch order and dropout masks.
 */
import { Frame } from './frame';
import { Encoder, encode, fitEncoder, rowMajor } from './encoding';
import { sigmoid } from './linalg';
import { FitContext, FittedModel, ModelFamily, ModelFile } from './model';
import { Random } from './random';
import { stratifiedSplit } from './split';
import { trainMlp } from './mlp-train';
import { BackendName, loadTensorflow } from './tf-backend';
import type * as TF from '@tensorflow/tfjs';

export interface MlpParams {
  hidden: number[];
  dropout: number;
  learningRate: number;
  batchSize: number;
  maxEpochs: number;
  /** Epochs without a better validation loss before training stops. */
  patience: number;
  /** Smallest fall in validation loss that counts as an improvement (patience counts epochs without one). */
  tolerance: number;
  validationFraction: number;
  /** L2 penalty on weights (not biases), added to the mean log-loss. */
  l2: number;
  /** Category levels seen on fewer training rows get no column (the enclave sets its k). */
  minLevelCount: number;
}

export interface DenseLayer {
  inputs: number;
  outputs: number;
  /** Row-major inputs x outputs. */
  weights: number[];
  bias: number[];
}

export interface MlpState {
  encoder: Encoder;
  layers: DenseLayer[];
  epochs: number;
  bestEpoch: number;
  validationLoss: number;
  /** What trained it: a TensorFlow.js backend, or `js` for the plain-JavaScript trainer (small nets, and DP-SGD's per-example gradients). */
  backend: BackendName | 'js';
}

/** Forward pass in double precision on the CPU: scoring needs no TensorFlow and gives the same result on every backend. */
function forward(layers: DenseLayer[], x: Float64Array, rows: number, width: number): Float64Array {
  let input = x;
  let inWidth = width;
  layers.forEach((layer, l) => {
    const out = new Float64Array(rows * layer.outputs);
    const last = l === layers.length - 1;
    for (let i = 0; i < rows; i++) {
      for (let o = 0; o < layer.outputs; o++) {
        let z = layer.bias[o];
        for (let k = 0; k < inWidth; k++) z += input[i * inWidth + k] * layer.weights[k * layer.outputs + o];
        out[i * layer.outputs + o] = last ? sigmoid(z) : Math.max(0, z);
      }
    }
    input = out;
    inWidth = layer.outputs;
  });
  return input;
}

class MlpModel implements FittedModel {
  readonly kind = 'mlp' as const;
  constructor(
    readonly params: MlpParams,
    readonly state: MlpState,
  ) {}

  get features() {
    return this.state.encoder.features;
  }

  async predict(frame: Frame): Promise<Float64Array> {
    const design = encode(this.state.encoder, frame);
    return forward(this.state.layers, rowMajor(design), design.rows, design.columns.length);
  }

  describe(): Record<string, unknown> {
    const { layers, epochs, bestEpoch, validationLoss, backend } = this.state;
    return {
      layers: layers.map((l) => ({ inputs: l.inputs, outputs: l.outputs })),
      parameters: layers.reduce((s, l) => s + l.weights.length + l.bias.length, 0),
      epochs,
      bestEpoch,
      validationLoss,
      backend,
    };
  }

  toJSON(): ModelFile<MlpState> {
    return { format: 'jointlab-model', version: 1, kind: 'mlp', features: this.features, params: { ...this.params }, state: this.state };
  }
}

/**
 * Nets up to this many parameters train in plain JavaScript. Below it a tensor library's fixed cost per
 * operation (a dozen kernels per batch) outweighs the arithmetic: on the shared data's 23 inputs and
 * (32, 16) hidden units (1,329 parameters) the JavaScript trainer is several times faster than
 * TensorFlow.js on WebAssembly; for wide nets the library's vectorized kernels win.
 */
export const JS_MAX_PARAMETERS = 10_000;

/** Glorot-uniform weights and zero biases, drawn from the seeded generator. */
function initialLayers(sizes: number[], random: Random): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [inputs, outputs] = [sizes[l], sizes[l + 1]];
    const limit = Math.sqrt(6 / (inputs + outputs));
    const weights = Array.from({ length: inputs * outputs }, () => (2 * random.uniform() - 1) * limit);
    layers.push({ inputs, outputs, weights, bias: new Array<number>(outputs).fill(0) });
  }
  return layers;
}

export const mlp: ModelFamily<MlpParams> = {
  kind: 'mlp',
  defaults: {
    hidden: [32, 16],
    dropout: 0.1,
    // Adam at 0.003 and a stop after 5 epochs without a fall of 1e-4 in validation loss: on the shared
    // data the fit stops after about 20 epochs (0.002, 10 and 1e-6 ran 55 for an AUC within 0.001),
    // as scikit-learn's MLPClassifier (tol 1e-4, 10 epochs, on validation accuracy) stops early too.
    learningRate: 0.003,
    batchSize: 256,
    maxEpochs: 200,
    patience: 5,
    tolerance: 1e-4,
    validationFraction: 0.15,
    l2: 1e-4,
    minLevelCount: 1,
  },

  async fit(frame: Frame, labels: Uint8Array, params: MlpParams, context: FitContext): Promise<FittedModel> {
    const random = new Random(context.seed);
    const encoder = context.encoder ?? fitEncoder(frame, params.minLevelCount);
    const design = encode(encoder, frame);
    const sizes = [design.columns.length, ...params.hidden, 1];
    let best = initialLayers(sizes, random);
    const { rest: train, held: valid } = stratifiedSplit(labels, params.validationFraction, random.nextUint32());
    const parameters = best.reduce((sum, l) => sum + l.weights.length + l.bias.length, 0);
    if (parameters <= JS_MAX_PARAMETERS) {
      const trained = trainMlp(rowMajor(design), design.columns.length, labels, train, valid, best, params, random, (epoch, loss) =>
        context.onProgress?.(epoch, params.maxEpochs, `epoch ${epoch}, validation loss ${loss.toFixed(4)}`),
      );
      return new MlpModel(params, { encoder, ...trained, backend: 'js' });
    }
    const { tf, backend } = await loadTensorflow();

    const xAll = tf.tensor2d(Float32Array.from(rowMajor(design)), [design.rows, design.columns.length]);
    const yAll = tf.tensor2d(Float32Array.from(labels), [design.rows, 1]);
    const xValid = tf.gather(xAll, Array.from(valid)) as TF.Tensor2D;
    const yValid = tf.gather(yAll, Array.from(valid));
    // tidy frees the initial-value tensors; the variables themselves outlive it.
    const variables = tf.tidy(() =>
      best.flatMap((layer) => [tf.variable(tf.tensor2d(layer.weights, [layer.inputs, layer.outputs])), tf.variable(tf.tensor1d(layer.bias))]),
    );
    const optimizer = tf.train.adam(params.learningRate);
    const logits = (x: TF.Tensor2D, dropoutSeed: number | null): TF.Tensor2D => {
      let h = x;
      for (let l = 0; l < sizes.length - 1; l++) {
        h = tf.add(tf.matMul(h, variables[2 * l] as TF.Variable<TF.Rank.R2>), variables[2 * l + 1]);
        if (l < sizes.length - 2) {
          h = tf.relu(h);
          if (dropoutSeed !== null && params.dropout > 0) h = tf.dropout(h, params.dropout, undefined, dropoutSeed + l) as TF.Tensor2D;
        }
      }
      return h;
    };
    const penalty = (): TF.Scalar =>
      tf.mul(params.l2, tf.addN(variables.filter((_, k) => k % 2 === 0).map((w) => tf.sum(tf.square(w))))) as TF.Scalar;

    let bestLoss = Infinity;
    let bestEpoch = 0;
    let epoch = 0;
    try {
      const order = Array.from(train);
      for (epoch = 1; epoch <= params.maxEpochs; epoch++) {
        random.shuffle(order);
        for (let start = 0; start < order.length; start += params.batchSize) {
          const batch = order.slice(start, start + params.batchSize);
          const dropoutSeed = random.nextUint32();
          tf.tidy(() => {
            const xb = tf.gather(xAll, batch) as TF.Tensor2D;
            const yb = tf.gather(yAll, batch) as TF.Tensor2D;
            optimizer.minimize(() => tf.add(tf.losses.sigmoidCrossEntropy(yb, logits(xb, dropoutSeed)), penalty()) as TF.Scalar, false, variables);
          });
        }
        const loss = tf.tidy(() => tf.losses.sigmoidCrossEntropy(yValid, logits(xValid, null)).dataSync()[0]);
        if (loss < bestLoss - params.tolerance) {
          bestLoss = loss;
          bestEpoch = epoch;
          best = best.map((layer, l) => ({
            ...layer,
            weights: Array.from(variables[2 * l].dataSync()),
            bias: Array.from(variables[2 * l + 1].dataSync()),
          }));
        }
        context.onProgress?.(epoch, params.maxEpochs, `epoch ${epoch}, validation loss ${loss.toFixed(4)}`);
        if (epoch - bestEpoch >= params.patience) break;
      }
    } finally {
      tf.dispose([xAll, yAll, xValid, yValid, ...variables]);
      optimizer.dispose();
    }
    return new MlpModel(params, {
      encoder,
      layers: best,
      epochs: Math.min(epoch, params.maxEpochs),
      bestEpoch,
      validationLoss: bestLoss,
      backend,
    });
  },

  load(file: ModelFile): FittedModel {
    return new MlpModel(file.params as unknown as MlpParams, file.state as MlpState);
  },
};
