/** Training outcomes with recognizable figures, for tests that a page never shows what the release check withheld. */
import { TrainingOutcome, releaseCheck } from '../../enclave/release/check';
import { keyedNoise } from '../../enclave/release/population';
import { Random } from '../../models/random';

/** A training outcome carrying recognizable figures, so a page that shows one of them can be caught. */
export function canaryOutcome(overrides: Partial<TrainingOutcome> = {}): TrainingOutcome {
  const random = new Random(3);
  const n = 400;
  const labels = Uint8Array.from({ length: n }, (_, i) => (i % 100 === 0 ? 1 : 0));
  const scores = Float64Array.from(labels, (y) => 0.31415926 * y + 0.5 * random.uniform());
  return {
    model: { format: 'jointlab-model', version: 1, kind: 'lr', features: [{ name: 'x', kind: 'numeric' }], params: {}, state: {} },
    description: { intercept: -1.23456789, coefficients: [{ name: 'x', weight: 2.71828183 }] },
    rows: { train: 900, test: n },
    classes: { train: { positive: 90, negative: 810 }, test: { positive: 1, negative: 399 } },
    metrics: { train: { auc: 0.65432198, ks: 0.33221144, gini: 0.30864396 }, test: { auc: 0.87654321, ks: 0.55667788, gini: 0.75308642 } },
    test: { labels, scores },
    ...overrides,
  };
}

/** Noise keyed under a fixed secret, so the canary's released figures are the same on every run. */
export const CANARY_RULES = { k: 10, minTrainingRows: 100, outputs: ['parameters', 'metrics', 'curves'] as const, noise: keyedNoise(Buffer.alloc(32, 1), 'canary') };
/**
 * Figures of canaryOutcome() that the release check withholds (test metrics, as a class has 1 test
 * rows). Released metrics carry three decimals, which are too common on a page to scan for; that the
 * test metrics are withheld is asserted on the release itself (test/enclave/release.test.ts).
 */
export const WITHHELD_CANARIES = ['0.8765', '0.5566', '0.7530', '0.7531'];
/** The train AUC the release check lets out, as released (three decimals at a keyed point). */
export const RELEASED_CANARY = String(releaseCheck(canaryOutcome(), CANARY_RULES).released.metrics!.train!.auc);
