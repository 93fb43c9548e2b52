/** Gradient-boosted trees against hand-computed splits and leaves, and the rules a released tree keeps. */
import { strict as assert } from 'node:assert';
import { gradientBoosting, GradientBoostingParams, GradientBoostingState } from '../../models/gradient-boosting';
import { Frame } from '../../models/frame';
import { loadModel } from '../../models';
import { Random } from '../../models/random';
import { isLeaf, Tree } from '../../models/gbdt/trees';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** One exact tree: every row, every column, no shrinkage, no held-out slice. */
const exact: GradientBoostingParams = { ...gradientBoosting.defaults, rounds: 1, maxDepth: 1, learningRate: 1, l2: 0, minChildRows: 1, minChildWeight: 0, rowSample: 1, columnSample: 1, validationFraction: 0 };

const numeric = (name: string, values: number[]): Frame['columns'][number] => ({ name, kind: 'numeric', values: Float64Array.from(values) });
const stateOf = async (frame: Frame, labels: number[], params: GradientBoostingParams, seed = 1) =>
  (await gradientBoosting.fit(frame, Uint8Array.from(labels), params, { seed })).toJSON().state as GradientBoostingState;

function randomTable(rows: number, seed: number): { frame: Frame; labels: Uint8Array } {
  const random = new Random(seed);
  const a = new Float64Array(rows);
  const b = new Float64Array(rows);
  const c: (string | null)[] = [];
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    a[i] = random.uniform() < 0.1 ? NaN : random.normal();
    b[i] = random.normal() * 1000 + 12345.678;
    const u = random.uniform();
    c.push(u < 0.05 ? null : u < 0.08 ? 'rare' : random.pick(['north', 'south', 'east', 'west']));
    const z = 1.2 * (Number.isNaN(a[i]) ? 1 : a[i]) - 0.001 * (b[i] - 12345) + (c[i] === 'east' ? 1 : 0) + (c[i] === 'rare' ? -3 : 0);
    labels[i] = random.uniform() < sigmoid(z) ? 1 : 0;
  }
  return { frame: { rows, columns: [{ name: 'a', kind: 'numeric', values: a }, { name: 'b', kind: 'numeric', values: b }, { name: 'c', kind: 'categorical', values: c }] }, labels };
}

describe('gradient-boosted trees', function () {
  this.timeout(60_000);

  it('one stump on four rows: split between 2 and 3, leaves -G/H by hand', async () => {
    // Start at log(0.5/0.5) = 0; gradients p - y = [0.5, 0.5, -0.5, -0.5], hessians 0.25:
    // left G = 1, H = 0.5 -> -2; right G = -1, H = 0.5 -> +2.
    const state = await stateOf({ rows: 4, columns: [numeric('x', [1, 2, 3, 4])] }, [0, 0, 1, 1], exact);
    assert.equal(state.base, 0);
    assert.equal(state.trees.length, 1);
    const [root, left, right] = state.trees[0];
    assert.ok(!isLeaf(root) && 'upTo' in root);
    assert.equal(root.upTo, 2.5);
    assert.deepEqual([isLeaf(left) && left.value, isLeaf(right) && right.value], [-2, 2]);
    const scores = await loadModel(JSON.parse(JSON.stringify(await gradientBoosting.fit({ rows: 4, columns: [numeric('x', [1, 2, 3, 4])] }, Uint8Array.from([0, 0, 1, 1]), exact, { seed: 1 })))).predict({ rows: 3, columns: [numeric('x', [0, 2.5, 2.6])] });
    assert.deepEqual(Array.from(scores), [sigmoid(-2), sigmoid(-2), sigmoid(2)]);
  });

  it('sends missing values to the side their gradients favour, and scores them there', async () => {
    // Base log(3/2); gradients 0.6 - y = [0.6, 0.6, -0.4, -0.4, -0.4], hessians 0.24. The missing row
    // defaults: the split is x <= 2.5 with missing right: right G = -1.2, H = 0.72 -> 1.6667.
    const frame: Frame = { rows: 5, columns: [numeric('x', [1, 2, 3, 4, NaN])] };
    const state = await stateOf(frame, [0, 0, 1, 1, 1], exact);
    assert.ok(Math.abs(state.base - Math.log(1.5)) < 1e-15);
    const [root, left, right] = state.trees[0] as Tree;
    assert.ok(!isLeaf(root) && 'upTo' in root);
    assert.deepEqual([root.upTo, root.missing], [2.5, 'right']);
    assert.deepEqual([isLeaf(left) && left.value, isLeaf(right) && right.value], [-2.5, 1.6667]);
    const model = await gradientBoosting.fit(frame, Uint8Array.from([0, 0, 1, 1, 1]), exact, { seed: 1 });
    const [p] = await model.predict({ rows: 1, columns: [numeric('x', [NaN])] });
    assert.ok(Math.abs(p - sigmoid(Math.log(1.5) + 1.6667)) < 1e-15);
  });

  it('splits categories in the order of their default rate; unseen levels go right', async () => {
    // Default rates: a 0/3, b 1/3, c 3/3: the best cut puts a and b left, c right.
    const levels = ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c'];
    const labels = [0, 0, 0, 1, 0, 0, 1, 1, 1];
    const frame: Frame = { rows: 9, columns: [{ name: 'k', kind: 'categorical', values: levels }] };
    const state = await stateOf(frame, labels, exact);
    const root = state.trees[0][0];
    assert.ok(!isLeaf(root) && 'levels' in root);
    assert.deepEqual(root.levels, ['a', 'b']);
    const model = await gradientBoosting.fit(frame, Uint8Array.from(labels), exact, { seed: 1 });
    const [c, unseen] = await model.predict({ rows: 2, columns: [{ name: 'k', kind: 'categorical', values: ['c', 'zzz'] }] });
    assert.equal(unseen, c);
  });

  it('no leaf and no split side holds fewer rows than minChildRows; levels under minLevelCount are never named', async () => {
    const { frame, labels } = randomTable(3000, 7);
    const state = await stateOf(frame, Array.from(labels), { ...gradientBoosting.defaults, rounds: 40, maxDepth: 5, minChildRows: 150, minLevelCount: 400, validationFraction: 0 });
    let leaves = 0;
    for (const tree of state.trees) {
      for (const node of tree) {
        if (isLeaf(node)) leaves++;
        assert.ok(node.count >= 150, `a node of ${node.count} rows`);
        if (!isLeaf(node) && 'levels' in node) assert.ok(!node.levels.includes('rare'), 'a level seen on about 3% of rows is named');
      }
    }
    assert.ok(leaves > 40, 'the trees split at all');
  });

  it('cut points carry three significant digits, never a raw value', async () => {
    const { frame, labels } = randomTable(2000, 3);
    const state = await stateOf(frame, Array.from(labels), { ...gradientBoosting.defaults, rounds: 30 });
    const cuts = state.trees.flat().flatMap((n) => (!isLeaf(n) && 'upTo' in n && n.upTo !== null ? [n.upTo] : []));
    assert.ok(cuts.length > 10);
    for (const cut of cuts) assert.equal(cut, Number(cut.toPrecision(3)));
  });

  it('is the same model for the same seed, and scores the same after a save and a load', async () => {
    const { frame, labels } = randomTable(2000, 5);
    const fit = async (seed: number) => gradientBoosting.fit(frame, labels, gradientBoosting.defaults, { seed });
    const [one, two, other] = [await fit(9), await fit(9), await fit(10)];
    assert.deepEqual(one.toJSON(), two.toJSON());
    assert.notDeepEqual(one.toJSON().state, other.toJSON().state);
    const reloaded = loadModel(JSON.parse(JSON.stringify(one.toJSON())));
    assert.deepEqual(Array.from(await reloaded.predict(frame)), Array.from(await one.predict(frame)));
  });

  it('stops early once the held-out slice stops improving', async () => {
    const { frame, labels } = randomTable(3000, 11);
    const state = await stateOf(frame, Array.from(labels), { ...gradientBoosting.defaults, rounds: 2000, learningRate: 0.3, patience: 10 });
    assert.ok(state.trees.length < 200, `${state.trees.length} trees`);
  });
});
