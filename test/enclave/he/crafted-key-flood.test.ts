import { strict as assert } from 'node:assert';
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { Decryptor } from 'node-seal/implementation/decryptor';
import { DEFAULT_FLOOD } from '../../../enclave/he/enclave-crypto';
import { holdSealPool, scoreBatch, scoreModel } from '../../../enclave/he/seal-pool';
import { CIPHER_DATA_AT, cipherBytes } from '../../../lab/he/seal-objects';
import type { ParamSetName } from '../../../lab/he/params';
import { CkksRuntime, Scope, ckks } from '../../../lab/he/seal-runtime';
import { Random } from '../../../models/random';

/**
 * Red-team (review5): private scoring's answer is re-randomized only by one encryption of zero under
 * the BANK'S public key, and the sampled flood touches the first polynomial only. A bank that uploads
 * a public key whose second polynomial is zero (it passes assertPublicKey: only the shape is checked)
 * gets answers whose second polynomial is rescale(sum_t c1_t * p_t) exactly, c1_t being the second
 * polynomials of its own coefficient ciphertexts. With c1 of one term set to the constant q1 (the
 * prime the rescale divides by) and 1 for the others, that polynomial IS the term's encoded basis
 * column p_t: the bank decodes the platform's column with no flood at all.
 *
 * The control holds when the column read that way is no closer to the truth than the flood the
 * enclave reports (valueStd): the tests assert that, so they FAIL while the hole is open.
 */
describe('red team: a crafted public key and the second polynomial of a scoring answer (score-crypto.ts, sampled-flood.ts)', () => {
  for (const paramSet of ['n16384'] as ParamSetName[]) {
    describe(paramSet, () => {
      const scope = new Scope();
      let rt: CkksRuntime;
      let decryptor: Decryptor;
      let honestKey: Uint8Array;
      let seededKey: Uint8Array;
      let zeroedKey: Uint8Array;
      let scaledKey: Uint8Array;
      let moduli: bigint[];
      let top: BigUint64Array;
      let answerLevel: BigUint64Array;
      const terms = 4;
      const target = 1;
      let basis: Float64Array[];
      let coefficients: Uint8Array[];
      const n = () => rt.slots * 2;

      before(async () => {
        rt = await ckks(paramSet);
        const keygen = scope.own(rt.seal.KeyGenerator(rt.context));
        decryptor = scope.own(rt.seal.Decryptor(rt.context, scope.own(keygen.secretKey())));
        honestKey = scope.own(keygen.createPublicKey()).saveArray(rt.seal.ComprModeType.none);
        seededKey = scope.own(keygen.createPublicKeySerializable()).saveArray(rt.seal.ComprModeType.none);
        // The public key has the ciphertext layout at the key level (every prime): zero its second polynomial.
        const keyModuli = scope.own(scope.own(rt.context.keyContextData).parms).coeffModulus.length;
        const keyPrimes = Array.from(scope.own(scope.own(rt.context.keyContextData).parms).coeffModulus);
        const first = scope.own(rt.context.firstParmsId);
        top = first.values;
        moduli = Array.from(scope.own(scope.own(rt.context.getContextData(first)).parms).coeffModulus);
        // Second polynomial all zero: SEAL's answer-level zero then has a zero second polynomial too, and
        // SEAL refuses the transparent ciphertext (a 5xx, not a leak).
        zeroedKey = Uint8Array.from(honestKey);
        zeroedKey.fill(0, CIPHER_DATA_AT + 8 * n() * keyModuli, CIPHER_DATA_AT + 8 * 2 * n() * keyModuli);
        // Second polynomial the constant q1: the zero at the answer level, made one level up and divided
        // by q1, has second polynomial u (SEAL's ternary secret of that encryption), never all zero.
        scaledKey = Uint8Array.from(honestKey);
        const keyView = new DataView(scaledKey.buffer);
        keyPrimes.forEach((q, j) => {
          for (let c = 0; c < n(); c++) keyView.setBigUint64(CIPHER_DATA_AT + 8 * (n() * keyModuli + j * n() + c), moduli[1] % q, true);
        });
        answerLevel = scope.own(rt.context.lastParmsId).values;
        const random = new Random(11);
        // Small enough for n8192's flood check (its flood must clear the estimate by 2^12).
        basis = Array.from({ length: terms }, () => Float64Array.from({ length: rt.slots }, () => 0.6 * (random.uniform() - 0.5)));
        // Term t's coefficient ciphertext: first polynomial zero, second the constant K in every NTT slot
        // (K = q1, the prime the product's rescale divides by, for the target term; 1 for the others).
        const q1 = moduli[moduli.length - 2];
        coefficients = Array.from({ length: terms + 1 }, (_, t) => {
          const k = t === target ? q1 : 1n;
          const bytes = cipherBytes(n(), moduli.length, top, rt.scale, true);
          const view = new DataView(bytes.buffer);
          moduli.forEach((q, j) => {
            for (let c = 0; c < n(); c++) view.setBigUint64(CIPHER_DATA_AT + 8 * (n() * moduli.length + j * n() + c), k % q, true);
          });
          return bytes;
        });
      });
      let release: () => Promise<void>;
      before(() => {
        release = holdSealPool({ workers: 1 });
      });
      after(async () => {
        scope.dispose();
        await release();
      });

      /** The path a scoring request takes (seal-pool.ts: the bytes checked once, then a batch on a worker). */
      const score = async (publicKey: Uint8Array) => scoreBatch(await scoreModel(paramSet, publicKey, coefficients), basis, DEFAULT_FLOOD);

      /** The answer's second polynomial in coefficient form, centred modulo the answer's prime. */
      function secondPolynomial(answer: Uint8Array): bigint[] {
        const ct: CipherText = scope.own(rt.seal.CipherText());
        ct.loadArray(rt.context, answer);
        rt.evaluator.cipherTransformFromNtt(ct, ct);
        const bytes = ct.saveArray(rt.seal.ComprModeType.none);
        const view = new DataView(bytes.buffer, bytes.byteOffset);
        const q = moduli[0];
        return Array.from({ length: n() }, (_, c) => {
          const v = view.getBigUint64(CIPHER_DATA_AT + 8 * (n() + c), true);
          return v > q / 2n ? v - q : v;
        });
      }

      /**
       * Decodes polynomial `p` (coefficient form, at the answer's level) at the parameter set's scale.
       * SEAL will not transform a transparent (p, 0): (p, 1) decrypts to p + s and (0, 1) to s, and
       * decoding is linear.
       */
      function decode(p: bigint[]): Float64Array {
        const decrypted = (first: bigint[] | undefined): Float64Array => {
          const bytes = cipherBytes(n(), 1, answerLevel, rt.scale);
          const view = new DataView(bytes.buffer);
          const q = moduli[0];
          for (let c = 0; c < n(); c++) {
            if (first) view.setBigUint64(CIPHER_DATA_AT + 8 * c, ((first[c] % q) + q) % q, true);
            view.setBigUint64(CIPHER_DATA_AT + 8 * (n() + c), 1n, true);
          }
          const ct = scope.own(rt.seal.CipherText());
          ct.loadArray(rt.context, bytes);
          rt.evaluator.cipherTransformToNtt(ct, ct);
          return Float64Array.from(rt.encoder.decode(scope.own(decryptor.decrypt(ct))).subarray(0, rt.slots));
        };
        const withS = decrypted(p);
        const s = decrypted(undefined);
        return withS.map((v, i) => v - s[i]);
      }

      const rms = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);
      const sd = (a: Float64Array) => rms(a, new Float64Array(a.length).fill(a.reduce((s, v) => s + v, 0) / a.length));

      it('a public key whose second polynomial is zero is refused with a 4xx, not a SEAL error', async () => {
        await assert.rejects(
          score(zeroedKey),
          (e: Error & { code?: string }) => {
            console.log(`      ${paramSet} zeroed key: ${e.constructor.name} ${e.code ?? ''} ${e.message}`);
            return e.code === 'bad_key';
          },
        );
      });

      it('with a public key whose second polynomial is a constant, the answer does not give away a basis column below the reported flood', async () => {
        let r: Awaited<ReturnType<typeof score>>;
        try {
          r = await score(scaledKey);
        } catch (e) {
          // Refused before any SEAL work: the control holds.
          console.log(`      ${paramSet} crafted key refused: ${(e as { code?: string }).code} ${(e as Error).message}`);
          assert.equal((e as { code?: string }).code, 'bad_key');
          return;
        }
        const read = decode(secondPolynomial(r.cipher));
        const error = rms(read, basis[target]);
        console.log(`      ${paramSet} crafted key: column read from c1 with rms error ${error.toExponential(2)}; reported flood ${r.flood.valueStd.toExponential(2)}; column sd ${sd(basis[target]).toFixed(3)}`);
        assert.ok(error >= r.flood.valueStd / 2, `basis column ${target} read with rms error ${error.toExponential(2)}, ${(r.flood.valueStd / error).toExponential(1)} times below the reported flood ${r.flood.valueStd.toExponential(2)}`);
      });

      it('with an honest public key (seeded, as BankCrypto sends it), the same read recovers nothing (the fresh zero re-randomizes the second polynomial)', async () => {
        const r = await score(seededKey);
        const read = decode(secondPolynomial(r.cipher));
        const error = rms(read, basis[target]);
        console.log(`      ${paramSet} honest key: rms error ${error.toExponential(2)} (column sd ${sd(basis[target]).toFixed(3)})`);
        assert.ok(error >= sd(basis[target]) / 2, `rms error ${error}`);
      });
    });
  }
});
