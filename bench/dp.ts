/** The AUC cost of each epsilon: DP logistic regression on the shared data (joint, fixed split), against the plaintext fit. */
import { sharedSplit } from './shared-data';
import { logisticRegression } from '../models/logistic-regression';
import { auc } from '../models/metrics';
import { withDifferentialPrivacy } from '../models/privacy/dp-logistic';
import { DP_SGD_DEFAULTS, withDpSgd } from '../models/privacy/dp-sgd';
import { withPrivateScorecard } from '../models/privacy/dp-scorecard';

async function main(): Promise<void> {
  const shared = sharedSplit('DP benchmark');
  if (!shared) return;
  const { train, test } = shared;
  const plain = await logisticRegression.fit(train.frame, train.y, logisticRegression.defaults, { seed: 1 });
  console.log(`differential privacy, joint logistic regression on the shared data (21,000 / 9,000 rows), lambda = 1e-3`);
  console.log(`  no DP: test AUC ${auc(test.y, await plain.predict(test.frame)).toFixed(4)}`);
  const noNoise = await withDifferentialPrivacy({ epsilon: 1e12, lambda: 1e-3 }).fit(train.frame, train.y, {}, { seed: 1 });
  console.log(`  clipping and lambda alone (epsilon -> infinity): test AUC ${auc(test.y, await noNoise.predict(test.frame)).toFixed(4)}`);
  const repeats = 10;
  for (const epsilon of [0.1, 0.5, 1, 2, 5, 10]) {
    const aucs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const model = await withDifferentialPrivacy({ epsilon, lambda: 1e-3 }).fit(train.frame, train.y, {}, { seed: r });
      aucs.push(auc(test.y, await model.predict(test.frame)));
    }
    const mean = aucs.reduce((a, b) => a + b, 0) / repeats;
    const sd = Math.sqrt(aucs.reduce((a, b) => a + (b - mean) ** 2, 0) / (repeats - 1));
    console.log(`  epsilon ${String(epsilon).padEnd(4)}: test AUC ${mean.toFixed(4)} (sd ${sd.toFixed(4)} over ${repeats} draws of the noise)`);
  }
  console.log('differential privacy, joint scorecard (fixed bins with discrete-Laplace counts, then output perturbation):');
  for (const epsilon of [1, 4]) {
    const aucs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const model = await withPrivateScorecard({ epsilon, lambda: 1e-3 }).fit(train.frame, train.y, { minBinCount: 10 }, { seed: r });
      aucs.push(auc(test.y, await model.predict(test.frame)));
    }
    console.log(`  epsilon ${String(epsilon).padEnd(4)}: test AUC ${(aucs.reduce((a, b) => a + b, 0) / aucs.length).toFixed(4)} (mean of 5 draws)`);
  }
  await mlpCost(train, test);
}

async function mlpCost(train: { frame: import('../models/frame').Frame; y: Uint8Array }, test: { frame: import('../models/frame').Frame; y: Uint8Array }): Promise<void> {
  console.log('differential privacy, joint MLP (32, 16) by DP-SGD (clip 1, batch 256, 15 epochs, delta 1e-5), one draw each:');
  for (const epsilon of [1, 4]) {
    const started = Date.now();
    const model = await withDpSgd({ ...DP_SGD_DEFAULTS, epsilon }).fit(train.frame, train.y, {}, { seed: 1 });
    console.log(`  epsilon ${String(epsilon).padEnd(4)}: test AUC ${auc(test.y, await model.predict(test.frame)).toFixed(4)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
