/**
 * The bank's training keys made without a SEAL context, with the decryption in a thread whose context
 * knows the chain's last level alone (its secret key the first and special primes' rows of the bank's):
 * answers at that level, as the enclave's rounds come back, decrypt there, and a closed decryptor
 * refuses instead of hanging.
 */
import { strict as assert } from 'node:assert';
import { TrainingKeys } from '../../../lab/he/training-keys';
import { BankDecryptor } from '../../../lab/he/bank-decryptor';
import { Scope, ckks } from '../../../lab/he/seal-runtime';

describe('training keys: made here without SEAL, the last level decrypted in a thread of its own', () => {
  let keys: TrainingKeys;
  before(async () => {
    keys = await TrainingKeys.make('n8192');
  });
  after(async () => keys?.dispose());

  /** A label ciphertext taken down to the last level on the whole chain, as the enclave's answers come back. */
  async function atLastLevel(values: number[]): Promise<Uint8Array> {
    const rt = await ckks('n8192');
    const scope = new Scope();
    try {
      const cipher = scope.own(rt.seal.CipherText());
      cipher.loadArray(rt.context, keys.crypto.encrypt(values));
      const last = scope.own(rt.context.lastParmsId);
      rt.evaluator.cipherModSwitchTo(cipher, last, cipher);
      return cipher.saveArray(rt.seal.ComprModeType.none);
    } finally {
      scope.dispose();
    }
  }

  it('decrypts an answer at the lowest level in its thread', async () => {
    const values = [0.25, -1.5, 3, 0, 1];
    const low = await atLastLevel(values);
    const decrypted = Array.from((await keys.decrypt(low)).subarray(0, values.length));
    decrypted.forEach((v, i) => assert.ok(Math.abs(v - values[i]) < 1e-6, `slot ${i}: ${v} for ${values[i]}`));
  });

  it('answers concurrent decryptions each with its own values', async () => {
    const inputs = [[1, 2], [3, 4], [5, 6], [7, 8]];
    const lows = await Promise.all(inputs.map(atLastLevel));
    const outs = await Promise.all(lows.map((c) => keys.decrypt(c)));
    outs.forEach((o, k) => inputs[k].forEach((v, i) => assert.ok(Math.abs(o[i] - v) < 1e-6, `${k}/${i}`)));
  });

  // SEAL prints "Aborted()" for the bytes it cannot parse; the thread's next decryption still works.
  it('rejects a ciphertext that does not load, and goes on decrypting', async () => {
    await assert.rejects(keys.decrypt(new Uint8Array(64)));
    const low = await atLastLevel([2]);
    assert.ok(Math.abs((await keys.decrypt(low))[0] - 2) < 1e-6);
  });

  it('refuses after it is disposed, without hanging', async () => {
    const other = await TrainingKeys.make('n8192');
    const low = other.crypto.encrypt([1]);
    await other.dispose();
    await assert.rejects(other.decrypt(low), /stopped/);
  });

  it('says when the thread cannot use the key it was handed, before any decryption is asked', async () => {
    await keys.ready();
    const decryptor = BankDecryptor.start('n8192');
    try {
      decryptor.useKey(new Uint8Array(1000));
      await assert.rejects(decryptor.ready, /secret key/);
      await assert.rejects(decryptor.decrypt(new Uint8Array(10)));
    } finally {
      await decryptor.close();
    }
  });
});
