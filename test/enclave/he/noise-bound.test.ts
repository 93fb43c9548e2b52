import { strict as assert } from 'node:assert';
import { noiseEstimate } from '../../../enclave/he/enclave-crypto';
import { xtyFolds, xtyFromFolds } from '../../../enclave/he/training-crypto';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { CLASSES, PARAM_SETS, ParamSetName, rotationSteps, slotsOf } from '../../../lab/he/params';
import { Random } from '../../../models/random';

/**
 * The public noise estimate that sizes training's flood (enclave-crypto.ts noiseEstimate) must bound
 * the real computation error of Enc(X^T y)'s totals: decrypted with the bank's key (no flood is added
 * to the totals; the rounds' flood is sized from this estimate) and compared with the exact X^T y.
 *
 * Every trial makes a key pair of its own (a part of the error is fixed per key pair). The estimate's
 * largest term is 6 standard deviations of a total's label noise; in those deviations the worst
 * error of 40 totals (20 key pairs, two columns) measured 2.3 in one run and about 3.2 in another.
 * Asked to stay under 0.8 of the estimate (4.8 deviations), a Gaussian error fails about one run in
 * 15,000. While Enc(X^T y) rotated after its rescale, its worst errors (4.2e7 to 6.2e7 / 2^50, noise
 * that depends on no value) were 1.9 to 2.8 times this estimate at 12,000 rows, and the old estimate,
 * without the summed terms, was up to 6 times below the error: either fails here.
 */
describe('the noise estimate bounds the real error of Enc(X^T y) (enclave/he/enclave-crypto.ts)', function () {
  this.timeout(600_000);
  const TRIALS = 20;

  async function worstError(paramSet: ParamSetName, rows: number, columns: number, seed: number): Promise<{ error: number; columnL2: number; freshL2: number }> {
    const bank = await BankCrypto.create(paramSet, rotationSteps(paramSet));
    try {
      const slots = slotsOf(paramSet);
      const random = new Random(seed);
      // Standardized columns and the intercept, as training's design holds them.
      const design = Array.from({ length: columns }, (_, j) => Float64Array.from({ length: rows }, () => (j === columns - 1 ? 1 : random.normal())));
      const labels = Array.from({ length: rows }, () => (random.uniform() < 0.3 ? 1 : 0));
      const blocks: Uint8Array[] = [];
      for (let start = 0; start < rows; start += slots) blocks.push(bank.encrypt(labels.slice(start, start + slots)));
      // As the enclave computes it: two workers fold halves of the blocks, one sums them within classes.
      const keys = { paramSet, publicKey: bank.publicKeyBytes, galoisKeys: bank.galoisKeyBytes };
      const half = Math.ceil(blocks.length / 2);
      const shares = await Promise.all([blocks.slice(0, half), blocks.slice(half)].map((part, k) => xtyFolds({ ...keys, labels: part, columns: design.map((c) => c.subarray(k * half * slots, k === 0 ? half * slots : rows)) })));
      const xty = await xtyFromFolds({ ...keys, shares });
      const exact = design.map((c) => c.reduce((s, v, i) => s + v * labels[i], 0));
      let error = 0;
      xty.forEach((bytes, at) => {
        const values = bank.decrypt(bytes);
        // Copy d holds at slot k the total of class (k + d) mod CLASSES; the last class is the label check's (none here).
        for (let k = 0; k < slots; k++) {
          const j = (k + (at % CLASSES)) % CLASSES;
          if (j < columns) error = Math.max(error, Math.abs(values[k] - exact[j]));
        }
      });
      let freshSquares = 0;
      for (let start = 0; start < rows; start += slots) for (const c of design) freshSquares += Math.max(...c.subarray(start, start + slots).map(Math.abs)) ** 2;
      return { error, columnL2: Math.max(...design.map((c) => Math.sqrt(c.reduce((a, v) => a + v * v, 0)))), freshL2: Math.sqrt(freshSquares) };
    } finally {
      bank.dispose();
    }
  }

  for (const [paramSet, rows, columns] of [['n16384', 12_000, 2], ['n8192', 6_000, 2]] as const) {
    it(`${paramSet}: the worst error of ${TRIALS} key pairs' totals is under 0.8 of the estimate (${rows} rows, ${columns} columns)`, async () => {
      const ratios: { old: number; now: number }[] = [];
      for (let t = 0; t < TRIALS; t++) {
        const { error, columnL2, freshL2 } = await worstError(paramSet, rows, columns, 1000 + t);
        const inputs = { freshL2, rows, weightL1: 1, inputL1: 0 };
        ratios.push({ old: error / noiseEstimate(paramSet, inputs), now: error / noiseEstimate(paramSet, { ...inputs, columnL2 }) });
      }
      const worst = (k: 'old' | 'now') => Math.max(...ratios.map((r) => r[k]));
      const least = (k: 'old' | 'now') => Math.min(...ratios.map((r) => r[k]));
      console.log(`      error / estimate over ${TRIALS} key pairs (scale 2^${PARAM_SETS[paramSet].scaleBits}): without the summed terms ${least('old').toFixed(2)}-${worst('old').toFixed(2)}, with them ${least('now').toFixed(3)}-${worst('now').toFixed(3)}`);
      assert.ok(worst('now') <= 0.8, `the worst error is ${worst('now').toFixed(3)} of the estimate`);
    });
  }
});
