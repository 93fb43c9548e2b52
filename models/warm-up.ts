/** Compiles the logistic-regression fitting code ahead of a job, by fitting one small synthetic problem. */
import { Column, Frame } from './frame';
import { HESSIAN_ROWS } from './logistic-core';
import { logisticRegression } from './logistic-regression';
import { Random } from './random';

/**
 * A fresh isolate runs the encoder's JavaScript loops in the interpreter until V8 has compiled them,
 * and the fit's WebAssembly kernels (logistic-kernels.ts) in V8's baseline tier until its optimizing
 * tier has compiled them (about 13 ms of CPU): on the shared data that first fit costs about 1.7 times
 * a compiled one. A training worker that waits for its job runs this once instead (about 0.1 s of CPU
 * while the enclave idles), so the job's own fit starts compiled. The problem is synthetic: no
 * platform value enters it.
 *
 * It has more rows than HESSIAN_ROWS, so the subsampled-Hessian path compiles too, a column with gaps
 * (the missing-value indicator) and a categorical one (one-hot levels), as real tables have.
 */
export async function warmUpFits(): Promise<void> {
  const rows = HESSIAN_ROWS + 1024;
  const random = new Random(20_261_129);
  const numeric = Array.from({ length: 7 }, () => new Float64Array(rows));
  const levels = ['a', 'b', 'c'];
  const category = new Array<string | null>(rows);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = -1.5;
    for (let j = 0; j < numeric.length; j++) {
      const v = random.normal();
      numeric[j][i] = j === 0 && i % 17 === 0 ? NaN : v;
      z += (j % 2 === 0 ? 0.4 : -0.3) * v;
    }
    // level 3 has no name: a missing category.
    const level = random.int(0, levels.length);
    category[i] = levels[level] ?? null;
    z += 0.2 * level;
    labels[i] = random.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const columns: Column[] = [...numeric.map((values, j): Column => ({ name: `x${j}`, kind: 'numeric', values })), { name: 'c', kind: 'categorical', values: category }];
  const frame: Frame = { rows, columns };
  const model = await logisticRegression.fit(frame, labels, logisticRegression.defaults, { seed: 1 });
  await model.predict(frame);
}
