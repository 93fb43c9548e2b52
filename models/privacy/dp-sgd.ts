/**
 * A differentially private MLP by DP-SGD (Abadi et al. 2016) as a wrapper around the MLP family:
 * Poisson-sampled batches, each example's gradient clipped to norm C, Gaussian noise of standard
 * deviation sigma*C added to the sum, sigma calibrated by the RDP accountant to the epsilon asked
 * for. The per-example gradients are computed here in plain double precision (TensorFlow.js has no
 * cheap per-example gradients); the model it returns is an ordinary MLP model file. No early stopping:
 * looking at a validation slice would spend budget too. Standardization comes from the training
 * rows unless the caller fixes one (the enclave fixes one that does not depend on the job's population).
 */
import { Frame } from '../frame';
import { encode, fitEncoder, rowMajor } from '../encoding';
import { FitContext, FittedModel, ModelFamily, ModelFile } from '../model';
import { DenseLayer, MlpState, mlp } from '../mlp';
import { Random } from '../random';
import { epsilonFor, noiseMultiplierFor } from './accountant';
import { UniformSource, secureUniform, snap } from './sampler';

export interface DpSgdParams {
  epsilon: number;
  delta: number;
  clip: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

export const DP_SGD_DEFAULTS: Omit<DpSgdParams, 'epsilon'> = { delta: 1e-5, clip: 1, epochs: 15, batchSize: 256, learningRate: 0.05 };

function gaussian(u: UniformSource): number {
  return Math.sqrt(-2 * Math.log(u.next())) * Math.cos(2 * Math.PI * u.next());
}

export function withDpSgd(privacy: DpSgdParams, uniform: UniformSource = secureUniform): ModelFamily<object> {
  return {
    kind: 'mlp',
    defaults: mlp.defaults,
    async fit(frame: Frame, labels: Uint8Array, params: object, context: FitContext): Promise<FittedModel> {
      const base = { ...mlp.defaults, ...(params as Record<string, unknown>) } as typeof mlp.defaults;
      const encoder = context.encoder ?? fitEncoder(frame, base.minLevelCount);
      const design = encode(encoder, frame);
      const n = design.rows;
      const width = design.columns.length;
      const x = rowMajor(design);
      const sizes = [width, ...base.hidden, 1];
      const q = Math.min(1, privacy.batchSize / n);
      const steps = Math.max(1, Math.round((privacy.epochs * n) / privacy.batchSize));
      const sigma = noiseMultiplierFor(privacy.epsilon, q, steps, privacy.delta);
      // Initialization and batch sampling come from the seed; the noise does not.
      const random = new Random(context.seed);
      const layers: DenseLayer[] = [];
      for (let l = 0; l + 1 < sizes.length; l++) {
        const limit = Math.sqrt(6 / (sizes[l] + sizes[l + 1]));
        layers.push({ inputs: sizes[l], outputs: sizes[l + 1], weights: Array.from({ length: sizes[l] * sizes[l + 1] }, () => (2 * random.uniform() - 1) * limit), bias: new Array(sizes[l + 1]).fill(0) });
      }
      const sizesOf = layers.map((L) => L.weights.length + L.bias.length);
      const total = sizesOf.reduce((a, b) => a + b, 0);
      const grad = new Float64Array(total);
      const sum = new Float64Array(total);
      const acts: Float64Array[] = sizes.map((s) => new Float64Array(s));
      const deltas: Float64Array[] = sizes.map((s) => new Float64Array(s));
      for (let step = 0; step < steps; step++) {
        sum.fill(0);
        for (let i = 0; i < n; i++) {
          if (random.uniform() >= q) continue; // Poisson sampling, as the accountant assumes
          // Forward.
          for (let k = 0; k < width; k++) acts[0][k] = x[i * width + k];
          layers.forEach((L, l) => {
            for (let o = 0; o < L.outputs; o++) {
              let z = L.bias[o];
              for (let k = 0; k < L.inputs; k++) z += acts[l][k] * L.weights[k * L.outputs + o];
              acts[l + 1][o] = l === layers.length - 1 ? 1 / (1 + Math.exp(-z)) : Math.max(0, z);
            }
          });
          // Backward: d(logloss)/dz at the output is p - y.
          deltas[layers.length][0] = acts[layers.length][0] - labels[i];
          let offset = total;
          for (let l = layers.length - 1; l >= 0; l--) {
            const L = layers[l];
            offset -= sizesOf[l];
            for (let k = 0; k < L.inputs; k++) {
              let back = 0;
              for (let o = 0; o < L.outputs; o++) {
                grad[offset + k * L.outputs + o] = acts[l][k] * deltas[l + 1][o];
                back += L.weights[k * L.outputs + o] * deltas[l + 1][o];
              }
              deltas[l][k] = l > 0 && acts[l][k] > 0 ? back : 0;
            }
            for (let o = 0; o < L.outputs; o++) grad[offset + L.inputs * L.outputs + o] = deltas[l + 1][o];
          }
          // Clip this example's whole gradient to norm C.
          let norm = 0;
          for (let g = 0; g < total; g++) norm += grad[g] * grad[g];
          const factor = Math.min(1, privacy.clip / Math.sqrt(norm || 1));
          for (let g = 0; g < total; g++) sum[g] += grad[g] * factor;
        }
        // Noise on the sum, normalized by the expected batch size (not the drawn one, which would leak).
        const expected = q * n;
        let offset = 0;
        layers.forEach((L, l) => {
          for (let w = 0; w < L.weights.length; w++) L.weights[w] -= (privacy.learningRate * (sum[offset + w] + sigma * privacy.clip * gaussian(uniform))) / expected;
          for (let b = 0; b < L.bias.length; b++) L.bias[b] -= (privacy.learningRate * (sum[offset + L.weights.length + b] + sigma * privacy.clip * gaussian(uniform))) / expected;
          offset += sizesOf[l];
        });
        context.onProgress?.(step + 1, steps, `DP-SGD step ${step + 1}`);
      }
      const grid = (privacy.learningRate * sigma * privacy.clip) / (privacy.batchSize * 2 ** 20);
      const released = layers.map((L) => ({ ...L, weights: L.weights.map((w) => snap(w, grid, 1e6)), bias: L.bias.map((b) => snap(b, grid, 1e6)) }));
      const state: MlpState = { encoder, layers: released, epochs: privacy.epochs, bestEpoch: privacy.epochs, validationLoss: NaN, backend: 'js' };
      const file: ModelFile = {
        format: 'jointlab-model',
        version: 1,
        kind: 'mlp',
        features: encoder.features,
        params: { ...base, privacy: { ...privacy, mechanism: 'DP-SGD (Abadi et al. 2016), RDP accountant', noiseMultiplier: sigma, steps, samplingRate: q, epsilonSpent: epsilonFor(q, sigma, steps, privacy.delta) } },
        state,
      };
      return mlp.load(file);
    },
    load: mlp.load,
  };
}
