/**
 * The scoring rule's arithmetic on hand-checkable numbers: for a model additive in the log-odds, a
 * feature's share is w_j^2 var(x_j) / sum_i w_i^2 var(x_i); features whose part never varies do not count.
 */
import { strict as assert } from 'node:assert';
import { scoringVerdict } from '../../../enclave/release/scoring-rule';
import { Frame } from '../../../models/frame';
import { FittedModel } from '../../../models/model';

/** log-odds = sum_j w_j x_j, a missing value contributing nothing (as a standardized, mean-imputed value would). */
function linear(weights: Record<string, number>): FittedModel {
  const names = Object.keys(weights);
  return {
    kind: 'lr',
    features: names.map((name) => ({ name, kind: 'numeric' as const })),
    async predict(frame: Frame) {
      return Float64Array.from({ length: frame.rows }, (_, i) => {
        let z = 0;
        for (const c of frame.columns) if (c.kind === 'numeric' && c.name in weights && !Number.isNaN(c.values[i])) z += weights[c.name] * c.values[i];
        return 1 / (1 + Math.exp(-z));
      });
    },
    describe: () => ({}),
    toJSON: () => {
      throw new Error('not needed');
    },
  };
}

const frame: Frame = {
  rows: 4,
  columns: [
    // Variances 1.25, 5 and 0.25 (population), means 0.
    { name: 'a', kind: 'numeric', values: Float64Array.from([-1.5, -0.5, 0.5, 1.5]) },
    { name: 'b', kind: 'numeric', values: Float64Array.from([-3, -1, 1, 3]) },
    { name: 'c', kind: 'numeric', values: Float64Array.from([-0.5, 0.5, -0.5, 0.5]) },
    { name: 'flat', kind: 'numeric', values: Float64Array.from([2, 2, 2, 2]) },
  ],
};

describe('scoring rule arithmetic', () => {
  it('gives each feature w^2 var / sum of w^2 var and passes when none is over half', async () => {
    // Parts' variances: a 1 * 1.25 = 1.25, b 0.25 * 5 = 1.25, c 4 * 0.25 = 1; total 3.5.
    const v = await scoringVerdict(linear({ a: 1, b: 0.5, c: 2 }), frame, ['a', 'b', 'c']);
    assert.deepEqual(v.features, [
      { name: 'a', share: 0.36 },
      { name: 'b', share: 0.36 },
      { name: 'c', share: 0.29 },
    ]);
    assert.equal(v.passes, true);
  });

  it('fails a feature over half, naming it and its share', async () => {
    // b: 1 * 5 = 5 of 5 + 1.25 + 0.25 = 6.5, 77%.
    const v = await scoringVerdict(linear({ a: 1, b: 1, c: 1 }), frame, ['a', 'b', 'c']);
    assert.equal(v.passes, false);
    assert.equal(v.reason, 'platform feature "b" carries 77% of the score\'s variance; scoring allows at most 50%');
  });

  it('does not count a feature whose part never varies, nor bank features', async () => {
    // "flat" shifts every log-odds by the same amount; "a" is not a platform column here.
    const v = await scoringVerdict(linear({ a: 1, b: 0.5, flat: 3 }), frame, ['b', 'flat']);
    assert.equal(v.passes, false);
    assert.equal(v.reason, "the model's score varies with 1 platform feature; scoring needs at least 3");
  });
});
