import { strict as assert } from 'node:assert';
import { LogisticKernels } from '../../models/logistic-kernels';
import { kernelModule, CHUNK as SOURCE_CHUNK } from '../../models/logistic-kernels-source';
import { CHUNK, KERNELS_BASE64 } from '../../models/logistic-kernels-wasm';
import { solveSpd } from '../../models/linalg';
import { Random } from '../../models/random';
import { assemble, f64, i32, op } from '../../models/wasm-assembler';
import { wasm } from '../../models/wasm-api';
import { expNonPositive, log1pUnit } from '../../models/wasm-math';

/** The two inline math routines as exported functions of a module of their own. */
function mathModule(): { exp: (x: number) => number; log1p: (e: number) => number } {
  const bytes = assemble([
    { name: 'exp', params: [f64], results: [f64], locals: [f64, i32, i32, f64, f64, f64, f64, f64, f64], body: [expNonPositive(0, 1, { hx: 2, kk: 3, hi: 4, lo: 5, r: 6, t: 7, cc: 8, y: 9 }), op.get(1)] },
    { name: 'log1p', params: [f64], results: [f64], locals: [f64, f64, f64, f64, f64, f64, f64], body: [log1pUnit(0, 1, { f: 2, hfsq: 3, s: 4, z: 5, u: 6, cc: 7 }), op.get(1)] },
  ]);
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory: new wasm.Memory({ initial: 1 }) } });
  return instance.exports as unknown as { exp: (x: number) => number; log1p: (e: number) => number };
}

describe('logistic-regression kernels (WebAssembly)', () => {
  it('ship the module their source assembles (else run `node dist/models/logistic-kernels-source.js`)', () => {
    assert.equal(CHUNK, SOURCE_CHUNK);
    assert.equal(KERNELS_BASE64, Buffer.from(kernelModule()).toString('base64'));
  });

  it('compute e^x (x <= 0) and log(1 + e) (0 <= e <= 1) bit for bit as Math.exp and Math.log1p do', () => {
    const { exp, log1p } = mathModule();
    const random = new Random(13);
    const edges = [-0, 0, -(2 ** -30), -(2 ** -28), -0.3465735902799726, -0.34657359027997264, -1.0397207708399179, -1.03972077083992, -1, -20, -708.3, -709.9, -745.1, -745.2, -1e6, -Infinity];
    const xs = [...edges, ...Array.from({ length: 200_000 }, (_, i) => -random.uniform() * [1e-6, 1, 40, 800][i % 4])];
    for (const x of xs) {
      assert.ok(Object.is(exp(x), Math.exp(x)), `exp(${x}): ${exp(x)} vs ${Math.exp(x)}`);
      const e = Math.exp(x);
      assert.ok(Object.is(log1p(e), Math.log1p(e)), `log1p(${e}): ${log1p(e)} vs ${Math.log1p(e)}`);
    }
    for (const e of [0, 2 ** -60, 2 ** -29, 0.41421356237309503, 0.4142135623730951, 0.5, 0.99999999, 1]) assert.ok(Object.is(log1p(e), Math.log1p(e)), `log1p(${e})`);
  });

  it('give the loss, gradient and sampled curvature a direct computation gives (chunks with an odd tail, 4 + 2 columns)', () => {
    const random = new Random(7);
    const n = 2 * CHUNK + 377;
    const d = 6;
    const m = 1000;
    const columns = Array.from({ length: d }, () => Float64Array.from({ length: n }, () => random.normal() * 3));
    const y = Uint8Array.from({ length: n }, () => (random.uniform() < 0.3 ? 1 : 0));
    const beta = Float64Array.from([0.4, -0.3, 0.2, 0.1, -0.5, 0.25, -1.1]);
    const D = d + 1;

    let loss = 0;
    const gradient = new Float64Array(D);
    const raw = new Float64Array(D * D);
    const residual = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let z = beta[d];
      for (let j = 0; j < d; j++) z += beta[j] * columns[j][i];
      loss += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y[i] * z;
      residual[i] = 1 / (1 + Math.exp(-z)) - y[i];
      for (let j = 0; j < d; j++) gradient[j] += residual[i] * columns[j][i];
      gradient[d] += residual[i];
    }
    for (let s = 0; s < m; s++) {
      const i = Math.floor((s * n) / m);
      const p = residual[i] + y[i];
      const v = [...columns.map((c) => c[i]), 1];
      for (let j = 0; j < D; j++) for (let k = j; k < D; k++) raw[j * D + k] += p * (1 - p) * v[j] * v[k];
    }

    const kernels = new LogisticKernels(columns, y, n, m);
    try {
      assert.equal(kernels.labelSum(), y.reduce((a, b) => a + b, 0));
      const gotGradient = new Float64Array(D);
      const gotRaw = new Float64Array(D * D);
      const gotLoss = kernels.pass(beta, gotGradient, gotRaw);
      const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-10 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
      close(gotLoss, loss, 'loss');
      gradient.forEach((g, j) => close(gotGradient[j], g, `gradient ${j}`));
      for (let j = 0; j < D; j++) for (let k = j; k < D; k++) close(gotRaw[j * D + k], raw[j * D + k], `raw ${j},${k}`);
      // Without curvature asked for, the same loss and gradient.
      const again = new Float64Array(D);
      assert.equal(kernels.pass(beta, again), gotLoss);
      assert.deepEqual(again, gotGradient);
    } finally {
      kernels.release();
    }
  });

  it('solve as linalg.solveSpd does, to the bit, including its ridge for a singular matrix', () => {
    const random = new Random(3);
    const D = 9;
    const kernels = new LogisticKernels(Array.from({ length: D - 1 }, () => new Float64Array(4)), new Uint8Array(4), 4, 4);
    try {
      for (const singular of [false, true]) {
        // A = B^T B + I, B random; singular: A_ij = (i + 1)(j + 1), rank one, whose second pivot is exactly 0.
        const b = Array.from({ length: D }, () => Float64Array.from({ length: D }, () => random.normal()));
        const a = new Float64Array(D * D);
        for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) a[i * D + j] = singular ? (i + 1) * (j + 1) : b.reduce((t, _, k) => t + b[k][i] * b[k][j], 0) + (i === j ? 1 : 0);
        const rhs = Float64Array.from({ length: D }, () => random.normal());
        const got = new Float64Array(D);
        kernels.solve(a, rhs, got);
        assert.deepEqual(got, solveSpd(a, rhs, D));
      }
    } finally {
      kernels.release();
    }
  });
});
