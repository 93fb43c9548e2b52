/** The split of a model into a bank part and a platform part: exact sums for logistic regression and scorecards, a clear refusal for the MLP. */
import { strict as assert } from 'node:assert';
import { JointlabError } from '../../lab/errors';
import { splitModel } from '../../lab/model-parts';
import { Frame } from '../../models/frame';
import { logisticRegression } from '../../models/logistic-regression';
import { ModelFile } from '../../models/model';
import { Random } from '../../models/random';
import { scorecard } from '../../models/scorecard';

const LEVELS = ['A', 'B', 'C', 'D'];

/** Two numeric columns with gaps (x1 platform, x2 bank) and a category with gaps (grade, platform); risk rises with x1, x2 and the grade. */
function data(n: number, seed: number, unseen = false): { frame: Frame; labels: Uint8Array } {
  const random = new Random(seed);
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const grade: (string | null)[] = [];
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x1[i] = i % 17 === 0 ? NaN : random.uniform() * 4;
    x2[i] = i % 23 === 0 ? NaN : random.uniform() * 10;
    const g = i % 29 === 0 ? null : unseen && i % 7 === 0 ? 'Z' : LEVELS[Math.floor(random.uniform() * 4)];
    grade.push(g);
    const z = -2 + 0.5 * (Number.isNaN(x1[i]) ? 2 : x1[i]) + 0.15 * (Number.isNaN(x2[i]) ? 5 : x2[i]) + 0.4 * (g ? LEVELS.indexOf(g) : 1);
    labels[i] = random.bernoulli(1 / (1 + Math.exp(-z))) ? 1 : 0;
  }
  return {
    frame: { rows: n, columns: [{ name: 'x1', kind: 'numeric', values: x1 }, { name: 'x2', kind: 'numeric', values: x2 }, { name: 'grade', kind: 'categorical', values: grade }] },
    labels,
  };
}

const only = (frame: Frame, names: string[]): Frame => ({ rows: frame.rows, columns: frame.columns.filter((c) => names.includes(c.name)) });

describe('model parts', () => {
  for (const family of [logisticRegression, scorecard] as const) {
    it(`${family.kind}: bank part + platform part give the model's score on rows with gaps and unseen levels, to 1e-12`, async () => {
      const { frame, labels } = data(3000, 1);
      const fitted = await family.fit(frame, labels, family.defaults as never, { seed: 1 });
      const parts = splitModel(fitted.toJSON(), ['x1', 'grade']);
      assert.deepEqual(parts.platform.map((f) => f.name), ['x1', 'grade']);
      assert.deepEqual(parts.bank.map((f) => f.name), ['x2']);
      const fresh = data(500, 2, true).frame;
      // Each side computes its part from its own columns alone.
      const platform = parts.platformPart(only(fresh, ['x1', 'grade']));
      const bank = parts.bankPart(only(fresh, ['x2']));
      const expected = await fitted.predict(fresh);
      const points = fitted.points?.(fresh);
      for (let i = 0; i < fresh.rows; i++) {
        const full = parts.full(bank[i], platform[i]);
        assert.ok(Math.abs(full.score - expected[i]) < 1e-12, `row ${i}`);
        if (points) assert.ok(Math.abs(full.points! - points[i]) < 1e-9, `row ${i} points`);
      }
      // The intercept (or base points) is the bank's: a model with no bank feature has a bank part that is that constant.
      const platformOnly = splitModel(fitted.toJSON(), ['x1', 'x2', 'grade']);
      const constant = platformOnly.bankPart({ rows: 2, columns: [] });
      assert.equal(constant[0], constant[1]);
    });
  }

  it('refuses to split an MLP, saying why and what to do instead', () => {
    const file: ModelFile = { format: 'jointlab-model', version: 1, kind: 'mlp', features: [{ name: 'x1', kind: 'numeric' }], params: {}, state: {} };
    assert.throws(
      () => splitModel(file, ['x1']),
      (e: unknown) => {
        assert.ok(e instanceof JointlabError);
        assert.equal(e.code, 'not_splittable');
        assert.equal(e.status, 422);
        assert.match(e.message, /an MLP model cannot be split into a bank part and a platform part: its score is not a sum/);
        assert.match(e.message, /joint logistic regression or scorecard/);
        assert.match(e.message, /platform-only model, which scores whole in the enclave/);
        return true;
      },
    );
    const trees: ModelFile = { ...file, kind: 'gbdt' };
    assert.throws(() => splitModel(trees, ['x1']), /a boosted-trees model cannot be split into a bank part and a platform part: .*a tree splits on the bank's and the platform's features along one path/);
  });
});
