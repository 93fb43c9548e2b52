import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { slotsOf } from '../../../lab/he/params';
import { Scope, ckks } from '../../../lab/he/seal-runtime';
import { freshZeros, rerandomized } from '../../../enclave/he/rerandomize';
import { loadKeys } from '../../../enclave/he/enclave-crypto';

/**
 * The labels' re-randomizing zeros made ahead (rerandomize.ts freshZeros, started when a training
 * session opens): each is a fresh encryption of zero under the session's key, and re-randomizing with
 * one changes a label ciphertext's mask but not its values; bytes that are not a ciphertext are
 * replaced by a zero made on the spot.
 */
describe("the labels' encryptions of zero made ahead (enclave/he/rerandomize.ts)", function () {
  this.timeout(120_000);

  it('are fresh encryptions of zero; re-randomizing with them keeps the labels and changes the mask; garbage falls back', async () => {
    const bank = await BankCrypto.create('n16384', [], {});
    const rt = await ckks('n16384');
    const scope = new Scope();
    try {
      const zeros = await freshZeros({ paramSet: 'n16384', publicKey: bank.publicKeyBytes, count: 2 });
      assert.equal(zeros.length, 2);
      const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      assert.notEqual(digest(zeros[0]), digest(zeros[1]), 'each zero is its own encryption');
      // At scale 1 a decrypted zero reads its raw noise: a few hundred at most, where one label is 2^50.
      for (const z of zeros) assert.ok(Math.max(...Array.from(bank.decrypt(z), Math.abs)) < 2 ** 20);

      const labels = Float64Array.from({ length: slotsOf('n16384') }, (_, i) => i % 3 === 0 ? 1 : 0);
      const sent = bank.encrypt(labels);
      const { pk } = loadKeys(rt, scope, bank.publicKeyBytes, new Uint8Array(0));
      const load = () => {
        const c = scope.own(rt.seal.CipherText());
        c.loadArray(rt.context, sent);
        return c;
      };
      const [a, b] = rerandomized(rt, scope, [load(), load()], pk, [zeros[0], new Uint8Array([1, 2, 3])]);
      for (const c of [a, b]) {
        const bytes = c.saveArray(rt.seal.ComprModeType.none);
        const values = bank.decrypt(bytes);
        assert.ok(labels.every((v, i) => Math.abs(values[i] - v) < 1e-6), 'the labels changed');
      }
      const masks = [a, b, load()].map((c) => digest(c.saveArray(rt.seal.ComprModeType.none)));
      assert.equal(new Set(masks).size, 3, 'a re-randomized label kept the mask the bank sent, or two zeros were the same');
    } finally {
      scope.dispose();
      bank.dispose();
    }
  });
});
