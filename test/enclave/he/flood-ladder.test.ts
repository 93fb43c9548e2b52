import { strict as assert } from 'node:assert';
import { floodLadder, floodLadderRatio, freshNoiseStd } from '../../../enclave/he/enclave-crypto';
import { ckks, withScope } from '../../../lab/he/seal-runtime';
import { Random } from '../../../models/random';

/**
 * A flood must hide the unflooded result in every residue: one encryption of zero times a factor F
 * adds multiples of F only, and a bank decrypting with its own key reads the result (computation
 * noise included) modulo F. The ladder sums fresh zeros times 1, r, r^2, ... and F.
 */
describe('the flood ladder (enclave/he/enclave-crypto.ts)', () => {
  it('steps from 1 to the factor, each at most r times the one below', () => {
    assert.deepEqual(floodLadder(1, 7), [1]);
    assert.deepEqual(floodLadder(7, 7), [1, 7]);
    assert.deepEqual(floodLadder(100, 7), [1, 7, 49, 100]);
    for (const factor of [2, 63, 65, 4096, 123_456_789, 2 ** 40 + 7]) {
      const steps = floodLadder(factor, 5);
      assert.equal(steps[0], 1);
      assert.equal(steps[steps.length - 1], factor);
      for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1] && steps[i] <= 5 * steps[i - 1], `${factor}: ${steps}`);
    }
    assert.throws(() => floodLadder(0, 5), RangeError);
    assert.throws(() => floodLadder(1.5, 5), RangeError);
    assert.throws(() => floodLadder(100, 1), RangeError);
  });

  it('takes its ratio from the measured noise of a fresh zero: a quarter of its coefficient spread', async () => {
    const rt = await ckks('n16384');
    withScope((scope) => {
      const coefficientStd = freshNoiseStd(rt, scope) / Math.sqrt(rt.slots);
      const ratio = floodLadderRatio(rt, scope);
      console.log(`      n16384: fresh zero ${coefficientStd.toFixed(1)} wide per coefficient, ladder ratio ${ratio}`);
      assert.ok(ratio >= 2 && ratio <= coefficientStd / 4, `ratio ${ratio} for a spread of ${coefficientStd}`);
    });
  });

  it('leaves no residue modulo the factor readable, where one scaled zero left every one at 0 and too wide a ratio left a lattice', () => {
    // Fresh zeros' coefficients about 21 wide (N = 8192, the narrower case); the ratio the enclave would take for them.
    const width = 21;
    const ratio = Math.max(2, Math.floor(width / 4));
    const r = new Random(11);
    const fresh = () => Math.round(width * r.normal());
    const factor = 987_654_321;
    const bins = 16;
    const draws = 20_000;
    const residueBin = (noise: number) => Math.floor((((noise % factor) + factor) % factor) / (factor / bins));
    const histogram = (noise: () => number) => {
      const h = new Array<number>(bins).fill(0);
      for (let i = 0; i < draws; i++) h[residueBin(noise())]++;
      return h;
    };
    const chiSquare = (h: number[]) => h.reduce((s, c) => s + (c - draws / bins) ** 2 / (draws / bins), 0);
    const single = histogram(() => factor * fresh());
    assert.equal(single[0], draws, 'one scaled zero: every residue is 0');
    // Chi-square against uniform residues, 15 degrees of freedom: 37.7 is its 0.1% point.
    const wide = chiSquare(histogram(() => floodLadder(factor, 64).reduce((sum, m) => sum + m * fresh(), 0)));
    assert.ok(wide > 100, `a ratio of 64 over noise ${width} wide leaves the residues lumped: chi-square ${wide.toFixed(1)}`);
    const ladder = chiSquare(histogram(() => floodLadder(factor, ratio).reduce((sum, m) => sum + m * fresh(), 0)));
    assert.ok(ladder < 37.7, `residues of the ladder's noise modulo the factor: chi-square ${ladder.toFixed(1)}`);
  });
});
