/**
 * What the population controls cost an honest bank on the shared data (joint, fixed split): test AUC
 * with the standardization fitted on the training rows (the lab's) against the enclave's
 * population-independent one (enclave/release/population.ts), for LR, the MLP and DP LR, in the same
 * run; and the released AUC after the keyed three-decimal rounding.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { frameOf, labelsOf, splitOf } from '../lab/data/columns';
import { loadJoined } from '../lab/train';
import { takeLabels, takeRows } from '../models/frame';
import { logisticRegression } from '../models/logistic-regression';
import { auc } from '../models/metrics';
import { mlp } from '../models/mlp';
import { withDifferentialPrivacy } from '../models/privacy/dp-logistic';
import { DP_SHARES, keyedNoise, referenceEncoder, releasedMetric } from '../enclave/release/population';

const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'datasets');

async function main(): Promise<void> {
  const files = ['default_credit_hetero_guest.csv', 'default_credit_hetero_host.csv', 'default_credit_split.csv'].map((f) => join(SHARED, f));
  if (!files.every(existsSync)) {
    console.log(`population benchmark skipped: ${SHARED} not found`);
    return;
  }
  const joined = loadJoined(files, 'id');
  const names = joined.names.filter((n) => n !== 'y' && n !== 'split');
  const frame = frameOf(joined, names, new Set());
  const labels = labelsOf(joined, 'y');
  const parts = splitOf(joined, 'split');
  const train = { frame: takeRows(frame, parts.train), y: takeLabels(labels, parts.train) };
  const test = { frame: takeRows(frame, parts.test), y: takeLabels(labels, parts.test) };
  // The enclave's sources: every row of the upload and of the platform table (here: all 30,000 rows).
  const encoder = referenceEncoder(
    frame.columns.map((c) => ({ name: c.name, kind: c.kind, cells: joined.cells.get(c.name)! })),
    10,
  );
  console.log('population-independent standardization, shared data (21,000 / 9,000 rows), test AUC: rows-fitted -> enclave');
  const pairs: [string, (enc?: typeof encoder) => Promise<number>][] = [
    ['LR', async (enc) => auc(test.y, await (await logisticRegression.fit(train.frame, train.y, logisticRegression.defaults, { seed: 1, ...(enc ? { encoder: enc } : {}) })).predict(test.frame))],
    ['MLP', async (enc) => auc(test.y, await (await mlp.fit(train.frame, train.y, mlp.defaults, { seed: 42, ...(enc ? { encoder: enc } : {}) })).predict(test.frame))],
  ];
  for (const [name, run] of pairs) {
    const before = await run();
    const after = await run(encoder);
    console.log(`  ${name.padEnd(4)}: ${before.toFixed(4)} -> ${after.toFixed(4)} (${(after - before >= 0 ? '+' : '') + (after - before).toFixed(4)})`);
  }
  const repeats = 10;
  const dp = async (epsilon: number, enc?: typeof encoder): Promise<number> => {
    let sum = 0;
    for (let r = 0; r < repeats; r++) {
      const model = await withDifferentialPrivacy({ epsilon, lambda: 1e-3 }).fit(train.frame, train.y, {}, { seed: r, ...(enc ? { encoder: enc } : {}) });
      sum += auc(test.y, await model.predict(test.frame));
    }
    return sum / repeats;
  };
  for (const epsilon of [1, 4]) {
    const before = await dp(epsilon);
    const after = await dp(epsilon * DP_SHARES.model, encoder);
    console.log(`  DP LR, job epsilon ${epsilon}: all of epsilon to the weights, rows-fitted standardization ${before.toFixed(4)} -> ${DP_SHARES.model} of it, enclave standardization ${after.toFixed(4)} (means of ${repeats} draws)`);
  }
  const exact = await pairs[0][1](encoder);
  const shifts: number[] = [];
  for (let p = 0; p < 200; p++) shifts.push(Math.abs(releasedMetric(exact, keyedNoise(Buffer.alloc(32), `bench ${p}`).uniform('test.auc')) - exact));
  console.log(`  released LR AUC (three decimals at a keyed point): largest shift ${Math.max(...shifts).toFixed(4)} over 200 populations`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
