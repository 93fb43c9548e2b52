/**
 * The bank's keys and label encryptions made without SEAL (lab/he/ring/lean-keys.ts), loaded, used and
 * decrypted by SEAL itself: every rotation the protocol declares moves the slots it should, the
 * relinearization keys relinearize a square, the public key encrypts, and the enclave's structural
 * checks of a bank's objects accept them all as SEAL's own.
 */
import { strict as assert } from 'node:assert';
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { Decryptor } from 'node-seal/implementation/decryptor';
import { LeanKeys } from '../../../../lab/he/ring/lean-keys';
import { ParamSetName, galoisElement, rotationSteps } from '../../../../lab/he/params';
import { CkksRuntime, Scope, ckks } from '../../../../lab/he/seal-runtime';
import { paramFacts } from '../../../../enclave/he/enclave-crypto';
import { assertCiphertext, assertGaloisKeys, assertPublicKey, assertRelinKeys } from '../../../../enclave/he/seal-bytes';

for (const paramSet of ['n8192', 'n16384'] as ParamSetName[]) {
  describe(`keys made without SEAL, used by SEAL (${paramSet})`, function () {
    this.timeout(120_000);
    const scope = new Scope();
    let keys: LeanKeys;
    let secret: Uint8Array;
    let rt: CkksRuntime;
    let decryptor: Decryptor;
    const values = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 1 : i * 0.37 - 2));

    before(async () => {
      keys = LeanKeys.make(paramSet, rotationSteps(paramSet), { relinKeys: true, secretKeyTo: (bytes) => (secret = bytes.slice()) });
      rt = await ckks(paramSet);
      const sk = scope.own(rt.seal.SecretKey());
      sk.loadArray(rt.context, secret);
      decryptor = scope.own(rt.seal.Decryptor(rt.context, sk));
    });
    after(() => {
      scope.dispose();
      keys.dispose();
    });

    const decrypted = (c: CipherText) => rt.encoder.decode(scope.own(decryptor.decrypt(c)));
    const labels = () => {
      const c = scope.own(rt.seal.CipherText());
      c.loadArray(rt.context, keys.encrypt(values));
      return c;
    };
    const maxError = (got: ArrayLike<number>, want: (i: number) => number, count = 64) => Math.max(...Array.from({ length: count }, (_, i) => Math.abs(got[i] - want(i))));

    it('encrypts values that SEAL decrypts with the secret key, at the top data level and the scale', () => {
      const c = labels();
      assert.equal(c.scale, rt.scale);
      assert.ok(maxError(decrypted(c), (i) => values[i] ?? 0, keys.slots) < 1e-6);
    });

    it('makes Galois keys for exactly the declared steps, each rotating as SEAL rotates', () => {
      const gk = scope.own(rt.seal.GaloisKeys());
      gk.loadArray(rt.context, keys.galoisKeyBytes);
      const c = labels();
      for (const step of rotationSteps(paramSet)) {
        assert.ok(gk.hasKey(galoisElement(step, 2 * keys.slots)), `step ${step}`);
        const r = scope.own(rt.seal.CipherText());
        if (step === 0) rt.evaluator.complexConjugate(c, gk, r);
        else rt.evaluator.rotateVector(c, step, gk, r);
        const want = (i: number) => values[step === 0 ? i : (i + step) % keys.slots] ?? 0;
        // Past the values too: the slot the first value moved to.
        assert.ok(maxError(decrypted(r), want, keys.slots) < 1e-5, `step ${step}`);
      }
      assert.equal(gk.hasKey(galoisElement(2, 2 * keys.slots)), false);
    });

    it('makes relinearization keys that relinearize a square', () => {
      const rk = scope.own(rt.seal.RelinKeys());
      rk.loadArray(rt.context, keys.relinKeyBytes);
      const c = labels();
      const square = scope.own(rt.seal.CipherText());
      rt.evaluator.square(c, square);
      rt.evaluator.relinearize(square, rk, square);
      assert.equal(square.size, 2);
      assert.ok(maxError(decrypted(square), (i) => (values[i] ?? 0) ** 2) < 1e-5);
    });

    it('makes a public key SEAL encrypts with', () => {
      const pk = scope.own(rt.seal.PublicKey());
      pk.loadArray(rt.context, keys.publicKeyBytes);
      const encryptor = scope.own(rt.seal.Encryptor(rt.context, pk));
      const c = scope.own(encryptor.encrypt(scope.own(rt.encoder.encode(Float64Array.from([3, -4, 5]), rt.scale))));
      assert.ok(maxError(decrypted(c), (i) => [3, -4, 5][i] ?? 0) < 1e-6);
    });

    it("passes the enclave's checks of a bank's objects: seeded, uncompressed, its parameter ids", async () => {
      const facts = await paramFacts(paramSet);
      assertPublicKey(facts, keys.publicKeyBytes);
      assertGaloisKeys(facts, keys.galoisKeyBytes, true);
      assertRelinKeys(facts, keys.relinKeyBytes);
      assertCiphertext(facts, keys.encrypt([1, 0, 1]), 'label ciphertext 0');
    });

    it('draws a fresh secret and fresh seeds each time', () => {
      let other: Uint8Array | undefined;
      const again = LeanKeys.make(paramSet, [1], { secretKeyTo: (bytes) => (other = bytes.slice()) });
      try {
        assert.notDeepEqual(Buffer.from(other!), Buffer.from(secret));
        assert.notDeepEqual(Buffer.from(keys.encrypt([1])), Buffer.from(keys.encrypt([1])));
        assert.equal(again.relinKeyBytes.length, 0);
      } finally {
        again.dispose();
      }
    });

    it('refuses more values than slots, values too large for the scale, and values that are not finite', () => {
      assert.throws(() => keys.encrypt(new Float64Array(keys.slots + 1)), /at most/);
      assert.throws(() => keys.encrypt([2 ** 40]), /too large/);
      for (const bad of [NaN, Infinity, -Infinity]) assert.throws(() => keys.encrypt([1, bad]), /value 1 is not a finite number/);
    });

    it('makes keys for negative steps where SEAL looks for them, refuses steps of half the slots, and encrypts nothing once disposed', () => {
      const other = LeanKeys.make(paramSet, [-1, -3, 3], { secretKeyTo: (bytes) => (secret = bytes.slice()) });
      try {
        const sk = scope.own(rt.seal.SecretKey());
        sk.loadArray(rt.context, secret);
        const own = scope.own(rt.seal.Decryptor(rt.context, sk));
        const gk = scope.own(rt.seal.GaloisKeys());
        gk.loadArray(rt.context, other.galoisKeyBytes);
        const c = scope.own(rt.seal.CipherText());
        c.loadArray(rt.context, other.encrypt(values));
        for (const step of [-1, -3, 3]) {
          const r = scope.own(rt.seal.CipherText());
          rt.evaluator.rotateVector(c, step, gk, r);
          const got = rt.encoder.decode(scope.own(own.decrypt(r)));
          const want = (i: number) => values[(((i + step) % keys.slots) + keys.slots) % keys.slots] ?? 0;
          assert.ok(maxError(got, want, keys.slots) < 1e-5, `step ${step}`);
        }
      } finally {
        other.dispose();
      }
      assert.throws(() => other.encrypt([1]), /disposed/);
      assert.throws(() => LeanKeys.make(paramSet, [keys.slots]), /no rotation/);
      assert.throws(() => LeanKeys.make(paramSet, [-keys.slots]), /no rotation/);
      assert.throws(() => galoisElement(1.5, 2 * keys.slots), /no rotation/);
    });
  });
}
