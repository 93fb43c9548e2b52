import { strict as assert } from 'node:assert';
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { PlainText } from 'node-seal/implementation/plain-text';
import { nttPlaintexts } from '../../../enclave/he/column-pairs';
import { pairCoefficients } from '../../../lab/he/ckks-encoding';
import { PairProducts } from '../../../enclave/he/rns-kernels';
import { writeResidueWords } from '../../../enclave/he/rns-residues';
import { CIPHER_DATA_AT, PLAIN_DATA_AT } from '../../../lab/he/seal-objects';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { Scope } from '../../../lab/he/seal-runtime';
import { Random } from '../../../models/random';

/**
 * Private scoring's products in WebAssembly (enclave/he/rns-kernels.ts) against SEAL's own, with a
 * bank's real ciphertexts: modular arithmetic is exact, so the sum of products must be SEAL's
 * multiply_plain and add to the last bit, and the residues the ones the exact integers give.
 */
describe('the products of private scoring in WebAssembly (enclave/he/rns-kernels.ts)', function () {
  this.timeout(120_000);
  let bank: BankCrypto;
  const scope = new Scope();
  const random = new Random(17);

  before(async () => {
    bank = await BankCrypto.create('n16384', []);
  });
  after(() => {
    scope.dispose();
    bank.dispose();
  });

  const coefficient = (value: number): CipherText => {
    const rt = bank.runtime;
    const ct = scope.own(rt.seal.CipherText());
    ct.loadArray(rt.context, bank.encryptReplicated(value));
    rt.evaluator.cipherModSwitchToNext(ct, ct);
    return ct;
  };
  const data = (ct: CipherText) => ct.saveArray(bank.runtime.seal.ComprModeType.none).subarray(CIPHER_DATA_AT);
  const plainData = (pt: PlainText) => pt.saveArray(bank.runtime.seal.ComprModeType.none).subarray(PLAIN_DATA_AT);

  it("sums ciphertext-times-plaintext products to SEAL's bytes, the constant term times ones included", () => {
    const rt = bank.runtime;
    const n = rt.slots * 2;
    const ciphers = [coefficient(0.7), coefficient(-1.3), coefficient(2.5)];
    const level = scope.own(ciphers[0].parmsId);
    const moduli = Array.from(scope.own(scope.own(rt.context.getContextData(level)).parms).coeffModulus);
    const polys = [0, 1].map(() => {
      const p = new Float64Array(n);
      pairCoefficients(n, { values: Float64Array.from({ length: rt.slots }, () => random.normal() * 3), bound: 64 }, { values: Float64Array.from({ length: 500 }, () => random.normal()), bound: 64 }, rt.scale, p);
      return p;
    });
    const plains = nttPlaintexts(rt, scope, level, polys, rt.scale);
    const ones = scope.own(rt.encoder.encode(new Float64Array(rt.slots).fill(1), rt.scale));
    rt.evaluator.plainModSwitchTo(ones, level, ones);

    const products = new PairProducts(n, moduli, 3);
    ciphers.forEach((ct, k) => products.setCipher(k, data(ct)));
    products.setOnes(plainData(ones));
    products.startWithConstant(2);
    products.addProduct(0, plainData(plains[0]));
    products.addProduct(1, plainData(plains[1]));

    const expected = scope.own(rt.seal.CipherText());
    const term = scope.own(rt.seal.CipherText());
    rt.evaluator.multiplyPlain(ciphers[2], ones, expected);
    rt.evaluator.multiplyPlain(ciphers[0], plains[0], term);
    rt.evaluator.add(expected, term, expected);
    rt.evaluator.multiplyPlain(ciphers[1], plains[1], term);
    rt.evaluator.add(expected, term, expected);
    assert.ok(Buffer.from(products.sum()).equals(Buffer.from(data(expected))), 'the sum differs from SEAL');

    // Started again, the accumulator holds the constant's product alone.
    products.startWithConstant(2);
    rt.evaluator.multiplyPlain(ciphers[2], ones, expected);
    assert.ok(Buffer.from(products.sum()).equals(Buffer.from(data(expected))), 'a new start kept an old sum');
    assert.throws(() => products.setCipher(3, data(ciphers[0])), RangeError);
  });

  it('writes residues as the exact integers give them, past a prime and negative, and a lone vector twice', () => {
    const n = bank.runtime.slots * 2;
    const q = [(1n << 60n) - 93n, (1n << 59n) + 55n];
    const products = new PairProducts(n, q, 1);
    const values = Float64Array.from({ length: n }, (_, i) => {
      const sign = i % 2 ? -1 : 1;
      const size = [0, 1, 2 ** 40 + 3, 2 ** 59, 2 ** 61 + 2 ** 20, Math.round(random.normal() * 2 ** 55)][i % 6];
      return sign * size;
    });
    products.coefficients(0).set(values);
    products.coefficients(1).set(values.map((v) => -v));
    const words = new Uint32Array(4 * n * q.length);
    writeResidueWords(words, 0, values, q);
    writeResidueWords(words, 2 * n * q.length, Float64Array.from(values, (v) => -v), q);
    assert.ok(Buffer.from(products.residues(1)).equals(Buffer.from(words.buffer)));
    // Spot checks against BigInt.
    const view = new BigUint64Array(products.residues(1).slice().buffer);
    for (const i of [0, 1, 4, 5, 10, 11]) q.forEach((p, j) => assert.equal(view[j * n + i], ((BigInt(values[i]) % p) + p) % p, `${values[i]} mod ${p}`));
    // With no second vector the first goes in twice.
    writeResidueWords(words, 2 * n * q.length, values, q);
    assert.ok(Buffer.from(products.residues(0)).equals(Buffer.from(words.buffer)));
  });

  it('writes residues modulo a prime far below the values (n8192 has a 40-bit one), in both writers', () => {
    const n = bank.runtime.slots * 2;
    const q = [(1n << 40n) - 87n, (1n << 60n) - 93n];
    const products = new PairProducts(n, q, 1);
    const values = Float64Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * Math.round(random.uniform() * 2 ** 61));
    products.coefficients(0).set(values);
    const words = new Uint32Array(4 * n * q.length);
    writeResidueWords(words, 0, values, q);
    writeResidueWords(words, 2 * n * q.length, values, q);
    assert.ok(Buffer.from(products.residues(0)).equals(Buffer.from(words.buffer)));
    const view = new BigUint64Array(words.buffer);
    for (const i of [0, 1, 2, 3, 100, 101]) q.forEach((p, j) => assert.equal(view[j * n + i], ((BigInt(values[i]) % p) + p) % p, `${values[i]} mod ${p}`));
  });
});
