import { strict as assert } from 'node:assert';
import { Frame } from '../../models/frame';
import { auc } from '../../models/metrics';
import { JS_MAX_PARAMETERS, mlp } from '../../models/mlp';
import { Random } from '../../models/random';
import { loadTensorflow } from '../../models/tf-backend';

/** Ring-shaped classes that no linear model separates: default inside the unit circle. */
function ring(n: number, seed: number): { frame: Frame; y: Uint8Array } {
  const random = new Random(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = random.normal();
    b[i] = random.normal();
    y[i] = a[i] * a[i] + b[i] * b[i] < 1 ? 1 : 0;
  }
  return { frame: { rows: n, columns: [{ name: 'a', kind: 'numeric', values: a }, { name: 'b', kind: 'numeric', values: b }] }, y };
}

const params = { ...mlp.defaults, hidden: [16, 8], maxEpochs: 40, patience: 40, learningRate: 0.01, batchSize: 64 };
/** A net past JS_MAX_PARAMETERS (2*128 + 128 + 128*128 + 128 + 128 + 1 parameters), which trains on TensorFlow.js. */
const wide = { ...params, hidden: [128, 128] };

describe('MLP', function () {
  this.timeout(120_000);

  it('learns a non-linear boundary', async () => {
    const { frame, y } = ring(1500, 1);
    const model = await mlp.fit(frame, y, params, { seed: 7 });
    const test = ring(1000, 2);
    assert.ok(auc(test.y, await model.predict(test.frame)) > 0.95);
  });

  it('is deterministic by seed', async () => {
    const { frame, y } = ring(400, 3);
    const short = { ...params, maxEpochs: 5, patience: 5 };
    const first = await mlp.fit(frame, y, short, { seed: 11 });
    const second = await mlp.fit(frame, y, short, { seed: 11 });
    assert.deepEqual(second.toJSON().state, first.toJSON().state);
  });

  it('trains small nets in plain JavaScript and says so, and wide ones as well as TensorFlow.js does', async () => {
    const { frame, y } = ring(1500, 1);
    const test = ring(1000, 2);
    const small = await mlp.fit(frame, y, params, { seed: 7 });
    assert.equal(small.describe().backend, 'js');
    assert.ok((small.describe().parameters as number) <= JS_MAX_PARAMETERS);
    const large = await mlp.fit(frame, y, { ...wide, maxEpochs: 15, patience: 15 }, { seed: 7 });
    assert.ok((large.describe().parameters as number) > JS_MAX_PARAMETERS);
    assert.notEqual(large.describe().backend, 'js');
    assert.ok(auc(test.y, await large.predict(test.frame)) > 0.95);
  });

  it('is deterministic by seed on TensorFlow.js too', async () => {
    const { frame, y } = ring(400, 3);
    const short = { ...wide, maxEpochs: 2, patience: 2 };
    const first = await mlp.fit(frame, y, short, { seed: 11 });
    const second = await mlp.fit(frame, y, short, { seed: 11 });
    assert.deepEqual(second.toJSON().state, first.toJSON().state);
  });

  it('leaves no tensor behind: a second fit ends where the first did', async () => {
    const { tf } = await loadTensorflow();
    const { frame, y } = ring(300, 4);
    const short = { ...wide, maxEpochs: 3, patience: 3 };
    await mlp.fit(frame, y, short, { seed: 1 });
    const after = tf.memory().numTensors;
    await mlp.fit(frame, y, short, { seed: 2 });
    assert.equal(tf.memory().numTensors, after);
  });

  it('reports the backend it trained on, WebAssembly when the native binding is absent', async () => {
    const { backend } = await loadTensorflow();
    const { frame, y } = ring(200, 5);
    const model = await mlp.fit(frame, y, { ...wide, maxEpochs: 1 }, { seed: 1 });
    assert.equal(model.describe().backend, backend);
    let native = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      native = false;
    }
    if (!native && !process.env.JOINTLAB_TF_BACKEND) assert.equal(backend, 'wasm');
  });
});
