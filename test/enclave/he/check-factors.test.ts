import { strict as assert } from 'node:assert';
import { CHECK_CLASS, checkFactorsAhead, classAt, fillCheckFactors, takeCheckFactors } from '../../../enclave/he/check-factors';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { CLASSES } from '../../../lab/he/params';
import { Scope, ckks } from '../../../lab/he/seal-runtime';
import { LABEL_CHECK } from '../../../enclave/release/he-rounds';

/**
 * The label check's factors encoded ahead must be what the fold encoded on the spot: fresh random
 * factors of size 2^20 on exactly the slots fold term d moves into the check's class, at the check
 * blocks' level, each plaintext handed out once.
 */
describe("the label check's factors encoded ahead (enclave/he/check-factors.ts)", function () {
  this.timeout(120_000);

  const settled = async (): Promise<void> => {
    for (let last = -1; checkFactorsAhead('n16384') !== last; ) {
      last = checkFactorsAhead('n16384');
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('keeps two per fold term ready, hands each out once, at the top level, random on the check slots alone', async () => {
    const rt = await ckks('n16384');
    const scope = new Scope();
    const bank = await BankCrypto.create('n16384', [], {});
    try {
      fillCheckFactors('n16384');
      await settled();
      assert.equal(checkFactorsAhead('n16384'), 2 * CLASSES);
      // A check block stands at the top level, as a fresh ciphertext (Enc(X^T y) rescales after its rotations).
      const like = scope.own(rt.seal.CipherText());
      like.loadArray(rt.context, bank.encrypt([1]));
      const seen = new Set<string>();
      for (const d of [0, 5, 15]) {
        for (let k = 0; k < 3; k++) {
          // Two from the stock, then one encoded on the spot: all alike in form.
          const plain = scope.own(takeCheckFactors(rt, d, like));
          const level = scope.own(plain.parmsId).values;
          assert.deepEqual(Array.from(level), Array.from(scope.own(like.parmsId).values));
          const values = rt.encoder.decode(plain);
          let onCheck = 0;
          for (let i = 0; i < rt.slots; i++) {
            const magnitude = Math.abs(values[i]) / LABEL_CHECK.firstFactor;
            if (classAt(i, d) === CHECK_CLASS) {
              assert.ok(magnitude > 0.99 && magnitude < 2.01, `slot ${i}: ${magnitude}`);
              onCheck++;
            } else assert.ok(magnitude < 1e-3, `slot ${i} off the check class: ${magnitude}`); // encoded at scale 1: rounding of about sqrt(N) in 2^20
          }
          assert.equal(onCheck, rt.slots / CLASSES);
          seen.add(Array.from(values.subarray(0, 64), (v) => Math.round(v)).join());
        }
      }
      assert.equal(seen.size, 9, 'every plaintext handed out has factors of its own');
      assert.equal(checkFactorsAhead('n16384'), 2 * CLASSES - 6);
    } finally {
      scope.dispose();
      bank.dispose();
    }
  });
});
