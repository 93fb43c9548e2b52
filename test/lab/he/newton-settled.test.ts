/**
 * When the bank's client stops single Newton rounds and asks the rest as one average: on sequences of
 * changes worked by hand (1e-4 tolerance throughout), and on a real Newton run of logistic regression
 * without noise, where the rule must not stop before one more step would land within the tolerance.
 */
import { strict as assert } from 'node:assert';
import { newtonSettled } from '../../../lab/he/protocols';
import { newtonPieces } from '../../../models/logistic-core';
import { solveSpd } from '../../../models/linalg';
import { Random } from '../../../models/random';

const TOL = 1e-4;

describe('newtonSettled: when single Newton rounds have done their part', () => {
  it('goes on while the changes shrink and two are not yet known', () => {
    assert.equal(newtonSettled([1.1], TOL), false);
    assert.equal(newtonSettled([1.1, 0.3], TOL), false); // 0.3 < 1.1 / 2
  });

  it('stops at a change within the tolerance, or one that stopped shrinking', () => {
    assert.equal(newtonSettled([5e-5], TOL), true);
    assert.equal(newtonSettled([1.1, 0.6], TOL), true); // 0.6 > 0.55
  });

  it('stops at a change far above the quadratic rate of the two before (the noise floor)', () => {
    // The rate allows 2 * 0.3^3 / 1.1^2 = 0.0446 at most; 0.08 is noise, though it is under half of 0.3.
    assert.equal(newtonSettled([1.1, 0.3, 0.08], TOL), true);
  });

  it('trusts no quadratic rate while the steps shrink slowly (Newton far from the optimum)', () => {
    // 0.476 is 0.40 of 1.20, over 0.3: no rate yet, though 0.230 is over 2 * 0.476^3 / 1.2^2 = 0.150; and 0.230 is 0.48 of 0.476.
    assert.equal(newtonSettled([1.2, 0.476, 0.23], TOL), false);
  });

  it('stops when one more step is predicted to land within the tolerance, and not before', () => {
    // rate = 0.0223 / 0.3^2 = 0.2478, distance = rate * 0.0223^2 = 1.232e-4, one more step: rate * distance^2 = 3.8e-9.
    assert.equal(newtonSettled([1.1, 0.3, 0.0223], TOL), true);
    // 0.6 is under 1.4 / 2 and under 2 * 1.4^3 / 3^2 = 0.610: rate = 0.6 / 1.96 = 0.306, distance 0.110, one more step 3.7e-3.
    assert.equal(newtonSettled([3, 1.4, 0.6], TOL), false);
    // One order further: rate = 0.05 / 0.36 = 0.139, distance 3.5e-4, one more step 1.7e-8.
    assert.equal(newtonSettled([3, 1.4, 0.6, 0.05], TOL), true);
  });

  it('on a real Newton run without noise, the weights where it stops are one step from the optimum within the tolerance', () => {
    const random = new Random(7);
    const n = 4000;
    const columns = Array.from({ length: 4 }, () => Float64Array.from({ length: n }, () => random.normal()));
    const truth = [0.8, -0.5, 0.3, 0];
    const y = Float64Array.from({ length: n }, (_, i) => (random.uniform() < 1 / (1 + Math.exp(-(columns.reduce((s, c, j) => s + c[i] * truth[j], 0) - 1))) ? 1 : 0));
    const xty = [...columns.map((c) => c.reduce((s, v, i) => s + v * y[i], 0)), y.reduce((s, v) => s + v, 0)];
    const step = (beta: number[]): number[] => {
      const { hessian, gradient } = newtonPieces(columns, n, beta, 1);
      const delta = solveSpd(hessian, Float64Array.from(gradient, (g, k) => g - xty[k]), beta.length);
      return beta.map((b, k) => b - delta[k]);
    };
    let beta = new Array<number>(5).fill(0);
    const changes: number[] = [];
    while (!newtonSettled(changes, TOL)) {
      const next = step(beta);
      changes.push(Math.max(...next.map((v, k) => Math.abs(v - beta[k]))));
      beta = next;
      assert.ok(changes.length < 10, 'never settled');
    }
    let optimum = beta;
    for (let k = 0; k < 5; k++) optimum = step(optimum);
    const landed = step(beta);
    assert.ok(Math.max(...landed.map((v, k) => Math.abs(v - optimum[k]))) < TOL, `one step from where it stopped is ${landed} against ${optimum}`);
    assert.ok(changes.length <= 4, `settled after ${changes.length} rounds: ${changes}`);
  });
});
