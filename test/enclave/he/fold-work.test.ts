import { strict as assert } from 'node:assert';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { rotationSteps, slotsOf } from '../../../lab/he/params';
import { ckks } from '../../../lab/he/seal-runtime';
import { xtyFolds } from '../../../enclave/he/training-crypto';
import { checkFactorsAhead, fillCheckFactors } from '../../../enclave/he/check-factors';

/**
 * Enc(X^T y)'s fold does the same SEAL work whatever the platform's values: a bank can put one
 * enterprise alone in its last label block, and a fold that skipped the products of all-zero slices
 * would take less time for each of that enterprise's values that is zero. The work is counted by
 * operation (no timing), for that block's row with every value set, with its feature values zero, and
 * with the whole row zero (an enterprise not on the platform).
 */
describe("Enc(X^T y)'s work does not depend on which values are zero (enclave/he/training-crypto.ts)", function () {
  this.timeout(300_000);
  const slots = slotsOf('n16384');
  const rows = slots + 1;
  let bank: BankCrypto;

  before(async () => {
    bank = await BankCrypto.create('n16384', rotationSteps('n16384'), { relinKeys: true });
  });
  after(() => bank.dispose());

  /**
   * Waits until the label check's factors encoded ahead (check-factors.ts, a stock shared by the whole
   * process) are all made. A fold takes what the stock holds and encodes the rest on the spot, and the
   * stock refills only between event-loop turns: without this the counts compared below depended on what
   * ran before in the process (after check-factors.test.ts the first fold found a full stock, the next
   * ones an emptied one: 20 encodings against 33, in every full run).
   */
  async function fullStock(): Promise<void> {
    fillCheckFactors('n16384');
    let last = -1;
    for (let still = 0; still < 5; ) {
      await new Promise((r) => setImmediate(r));
      const n = checkFactorsAhead('n16384');
      still = n === last ? still + 1 : 0;
      last = n;
    }
  }

  /** SEAL calls made by `work`, by operation, from a full stock of check factors. */
  async function counted(work: () => Promise<unknown>): Promise<Record<string, number>> {
    await fullStock();
    const rt = await ckks('n16384');
    const counts: Record<string, number> = {};
    const targets: [object, string[]][] = [
      [rt.evaluator, ['multiplyPlain', 'multiply', 'add', 'rotateVector', 'rescaleToNext', 'relinearize', 'complexConjugate']],
      [rt.encoder, ['encode']],
    ];
    const restore: (() => void)[] = [];
    for (const [target, names] of targets) {
      const t = target as Record<string, (...a: unknown[]) => unknown>;
      for (const name of names) {
        const original = t[name];
        t[name] = (...a: unknown[]) => {
          counts[name] = (counts[name] ?? 0) + 1;
          return original.apply(target, a);
        };
        restore.push(() => (t[name] = original));
      }
    }
    try {
      await work();
    } finally {
      for (const r of restore) r();
    }
    return counts;
  }

  const design = (last: number[]): Float64Array[] =>
    [0, 1, 2, 3].map((j) => {
      const c = Float64Array.from({ length: rows }, (_, i) => (j === 3 ? 1 : Math.sin(i * (j + 1)) + 2));
      c[rows - 1] = last[j];
      return c;
    });

  it('counts the same encodings, products, rotations and rescales with the last row valued, zero, or off the platform', async () => {
    const labels = [bank.encrypt(Float64Array.from({ length: slots }, (_, i) => i % 2)), bank.encrypt([1])];
    const input = { paramSet: 'n16384' as const, publicKey: bank.publicKeyBytes, galoisKeys: bank.galoisKeyBytes, relinKeys: bank.relinKeyBytes, labels };
    // Only the last block, as a SEAL worker's share of the labels would hold it.
    const share = (columns: Float64Array[]) => ({ ...input, labels: labels.slice(1), columns: columns.map((c) => c.slice(slots)) });
    const valued = await counted(() => xtyFolds(share(design([1.5, -2, 3, 1]))));
    const zeros = await counted(() => xtyFolds(share(design([0, 0, 0, 1]))));
    const absent = await counted(() => xtyFolds(share(design([0, 0, 0, 0]))));
    assert.ok((valued.multiplyPlain ?? 0) >= 16 && (valued.rotateVector ?? 0) >= 15, JSON.stringify(valued));
    assert.deepEqual(zeros, valued);
    assert.deepEqual(absent, valued);
    // Both blocks in one share: a block with values beside the block whose one row varies.
    const whole = (columns: Float64Array[]) => ({ ...input, columns });
    const both = await counted(() => xtyFolds(whole(design([1.5, -2, 3, 1]))));
    assert.deepEqual(await counted(() => xtyFolds(whole(design([0, 0, 0, 1])))), both);
    assert.deepEqual(await counted(() => xtyFolds(whole(design([0, 0, 0, 0])))), both);
  });
});
