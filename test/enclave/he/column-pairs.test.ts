import { strict as assert } from 'node:assert';
import { minusHalfTurn, nttPlaintexts } from '../../../enclave/he/column-pairs';
import { pairCoefficients } from '../../../lab/he/ckks-encoding';
import { writeResidueWords } from '../../../enclave/he/rns-residues';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { Scope } from '../../../lab/he/seal-runtime';
import { Random } from '../../../models/random';

/**
 * Two real columns in one CKKS plaintext (enclave/he/column-pairs.ts), with a real SEAL context and a
 * bank's real keys: the plaintext decodes to its first column, and times a paired coefficient
 * ciphertext Enc(w_a) - X^(N/2) Enc(w_b) it decrypts to w_a a + w_b b.
 */
describe('two basis columns in one plaintext (enclave/he/column-pairs.ts)', function () {
  this.timeout(120_000);
  const paramSet = 'n16384' as const;
  let bank: BankCrypto;
  const scope = new Scope();
  const random = new Random(11);

  before(async () => {
    bank = await BankCrypto.create(paramSet, []);
  });
  after(() => {
    scope.dispose();
    bank.dispose();
  });

  const column = (length: number, spread: number) => Float64Array.from({ length }, () => random.normal() * spread);
  const worst = (a: ArrayLike<number>, b: ArrayLike<number>, length: number) => {
    let w = 0;
    for (let i = 0; i < length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
    return w;
  };

  it('decodes to its first column, the second riding in the imaginary parts, and to a lone column alike', () => {
    const rt = bank.runtime;
    const n = rt.slots * 2;
    const level = scope.own(rt.context.firstParmsId);
    const a = column(rt.slots, 3);
    const b = column(1000, 50);
    const polys = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    const all = (values: Float64Array) => ({ values, bound: Infinity });
    assert.ok(pairCoefficients(n, all(a), all(b), rt.scale, polys[0]));
    assert.ok(pairCoefficients(n, all(b), all(a), rt.scale, polys[1]));
    assert.ok(pairCoefficients(n, all(b), undefined, rt.scale, polys[2]));
    const plains = [...nttPlaintexts(rt, scope, level, polys.slice(0, 2), rt.scale), ...nttPlaintexts(rt, scope, level, [polys[2]], rt.scale)];
    const decoded = plains.map((p) => rt.encoder.decode(p) as Float64Array);
    assert.ok(worst(decoded[0], a, rt.slots) < 1e-9, `first column off by ${worst(decoded[0], a, rt.slots)}`);
    const bPadded = Float64Array.from({ length: rt.slots }, (_, i) => b[i] ?? 0);
    assert.ok(worst(decoded[1], bPadded, rt.slots) < 1e-9, `swapped pair off by ${worst(decoded[1], bPadded, rt.slots)}`);
    assert.ok(worst(decoded[2], bPadded, rt.slots) < 1e-9, `lone column off by ${worst(decoded[2], bPadded, rt.slots)}`);
    // A pair whose columns round to nothing is said to be zero: SEAL would refuse the product.
    assert.equal(pairCoefficients(n, all(new Float64Array(10).fill(1e-30)), undefined, rt.scale, polys[0]), false);
    // A value that is not a number is encoded as 0 (through the transform it would reach every coefficient).
    const holed = Float64Array.from(a, (v, i) => (i === 7 ? NaN : v));
    const zeroed = Float64Array.from(a, (v, i) => (i === 7 ? 0 : v));
    pairCoefficients(n, all(holed), undefined, rt.scale, polys[0]);
    pairCoefficients(n, all(zeroed), undefined, rt.scale, polys[1]);
    assert.deepEqual(polys[0], polys[1]);
    // Values past a column's bound are encoded at the bound.
    const wide = Float64Array.from(a, (v, i) => (i % 3 === 0 ? 100 * v : v));
    pairCoefficients(n, { values: wide, bound: 4 }, undefined, rt.scale, polys[0]);
    const clipped = rt.encoder.decode(nttPlaintexts(rt, scope, level, [polys[0]], rt.scale)[0]) as Float64Array;
    const expectClipped = Float64Array.from(wide, (v) => Math.max(-4, Math.min(4, v)));
    assert.ok(worst(clipped, expectClipped, rt.slots) < 1e-9, `clipped column off by ${worst(clipped, expectClipped, rt.slots)}`);
  });

  it('times Enc(w_a) - X^(N/2) Enc(w_b), decrypts to w_a a + w_b b', () => {
    const rt = bank.runtime;
    const n = rt.slots * 2;
    const [wa, wb] = [0.73, -1.9];
    const load = (bytes: Uint8Array) => {
      const ct = scope.own(rt.seal.CipherText());
      ct.loadArray(rt.context, bytes);
      rt.evaluator.cipherModSwitchToNext(ct, ct);
      return ct;
    };
    const ca = load(bank.encryptReplicated(wa));
    const cb = load(bank.encryptReplicated(wb));
    const level = scope.own(ca.parmsId);
    const pair = scope.own(rt.seal.CipherText());
    rt.evaluator.multiplyPlain(cb, minusHalfTurn(rt, scope, level), pair);
    rt.evaluator.add(ca, pair, pair);
    const a = column(rt.slots, 2);
    const b = column(rt.slots, 2);
    const poly = new Float64Array(n);
    pairCoefficients(n, { values: a, bound: Infinity }, { values: b, bound: Infinity }, rt.scale, poly);
    const product = scope.own(rt.seal.CipherText());
    rt.evaluator.multiplyPlain(pair, nttPlaintexts(rt, scope, level, [poly], rt.scale)[0], product);
    rt.evaluator.rescaleToNext(product, product);
    const scores = bank.decrypt(product.saveArray(rt.seal.ComprModeType.none));
    const expected = Float64Array.from(a, (v, i) => wa * v + wb * b[i]);
    assert.ok(worst(scores, expected, rt.slots) < 1e-6, `off by ${worst(scores, expected, rt.slots)}`);
    // Either column alone would be far off: both terms are in the real part.
    assert.ok(worst(scores, Float64Array.from(a, (v) => wa * v), rt.slots) > 1);
  });

  it('writes residues of values past a prime, negative and positive, as the exact integers would give', () => {
    const q = [(1n << 60n) - 93n, (1n << 59n) + 55n];
    const values = Float64Array.from([0, 1, -1, 2 ** 40 + 3, -(2 ** 40) - 3, 2 ** 61 + 2 ** 20, -(2 ** 61) - 2 ** 12, 2 ** 59, -(2 ** 59)]);
    const words = new Uint32Array(2 * values.length * q.length);
    writeResidueWords(words, 0, values, q);
    q.forEach((p, j) =>
      values.forEach((v, c) => {
        const at = 2 * (j * values.length + c);
        const got = (BigInt(words[at + 1]) << 32n) | BigInt(words[at]);
        const want = (((BigInt(v) % p) + p) % p);
        assert.equal(got, want, `${v} mod ${p}`);
      }),
    );
    assert.throws(() => writeResidueWords(words, 0, Float64Array.of(2 ** 62), q), RangeError);
  });
});
