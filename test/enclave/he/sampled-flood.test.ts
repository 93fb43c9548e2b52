import { strict as assert } from 'node:assert';
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { PlainText } from 'node-seal/implementation/plain-text';
import { addSampledFlood, gaussianIntegers } from '../../../enclave/he/sampled-flood';
import { CIPHER_DATA_AT, cipherBytes } from '../../../lab/he/seal-objects';
import { CkksRuntime, Scope, ckks } from '../../../lab/he/seal-runtime';

/**
 * The sampled flood must hide the unflooded result in every coefficient a bank can read with its own
 * secret key: the noise it adds is Gaussian of the asked spread, with every residue covered (one
 * encryption of zero times a factor F would add multiples of F only, and leave the result readable
 * modulo F), and independent from coefficient to coefficient.
 */
describe('the flood from a sampled polynomial (enclave/he/sampled-flood.ts)', () => {
  const std = 5000;

  /** Chi-square of `values`' residues modulo `m` in `bins` bins against uniform. */
  const residueChiSquare = (values: ArrayLike<number>, m: number, bins: number): number => {
    const h = new Array<number>(bins).fill(0);
    for (let i = 0; i < values.length; i++) h[Math.floor(((((values[i] % m) + m) % m) * bins) / m)]++;
    const expected = values.length / bins;
    return h.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  };
  const spread = (values: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[i] ** 2;
    return Math.sqrt(s / values.length);
  };
  // Points of chi-square with 6 and 15 degrees of freedom that a uniform residue passes in about 5e-9 of
  // runs: the draws come from the operating system's randomness, and the four checks below at the 0.1%
  // points (22.46, 37.7) failed about one run in 250. A flood of multiples of a factor scores past 1000.
  const CHI6 = 50;
  const CHI15 = 70;

  it('draws whole numbers of the asked spread, Gaussian, with every residue covered', () => {
    const draws = gaussianIntegers(200_001, std);
    assert.equal(draws.length, 200_001);
    assert.ok(draws.every(Number.isInteger));
    let mean = 0;
    for (const v of draws) mean += v / draws.length;
    // Five standard errors: a centred draw passes in all but 6e-7 of runs.
    assert.ok(Math.abs(mean) < (5 * std) / Math.sqrt(draws.length), `mean ${mean}`);
    assert.ok(Math.abs(spread(draws) / std - 1) < 0.01, `spread ${spread(draws)}`);
    // A normal lies beyond 2 standard deviations 4.55% of the time, beyond 3 0.27%.
    const beyond = (k: number) => draws.filter((v) => Math.abs(v) > k * std).length / draws.length;
    assert.ok(Math.abs(beyond(2) - 0.0455) < 0.003, `beyond 2 sd: ${beyond(2)}`);
    assert.ok(Math.abs(beyond(3) - 0.0027) < 0.0008, `beyond 3 sd: ${beyond(3)}`);
    assert.ok(residueChiSquare(draws, 7, 7) < CHI6);
    assert.ok(residueChiSquare(draws, 4096, 16) < CHI15);
    // Two draws are never the same stream.
    assert.notDeepEqual(gaussianIntegers(64, std), gaussianIntegers(64, std));
    assert.throws(() => gaussianIntegers(8, -1), RangeError);
    assert.throws(() => gaussianIntegers(8, 2 ** 50), RangeError);
  });

  describe('added to a result, read by a bank with its own secret key', () => {
    let rt: CkksRuntime;
    const scope = new Scope();
    let encryptZero: () => CipherText;
    let decrypt: (c: CipherText) => PlainText;
    let unflooded: CipherText;
    let q: bigint;

    before(async () => {
      rt = await ckks('n16384');
      const keygen = scope.own(rt.seal.KeyGenerator(rt.context));
      const encryptor = scope.own(rt.seal.Encryptor(rt.context, scope.own(keygen.createPublicKey())));
      const decryptor = scope.own(rt.seal.Decryptor(rt.context, scope.own(keygen.secretKey())));
      const last = scope.own(rt.context.lastParmsId);
      q = scope.own(scope.own(rt.context.getContextData(last)).parms).coeffModulus[0];
      unflooded = scope.own(encryptor.encrypt(scope.own(rt.encoder.encode(new Float64Array(rt.slots).fill(0.25), rt.scale))));
      rt.evaluator.cipherModSwitchTo(unflooded, last, unflooded);
      const zeroPlain = scope.own(rt.encoder.encode(new Float64Array(rt.slots), 1));
      rt.evaluator.plainModSwitchTo(zeroPlain, last, zeroPlain);
      encryptZero = () => scope.own(encryptor.encrypt(zeroPlain));
      decrypt = (c) => scope.own(decryptor.decrypt(c));
    });
    after(() => scope.dispose());

    /**
     * A decrypted plaintext's coefficients (it is held in NTT form): SEAL transforms a ciphertext back,
     * so the plaintext goes in as the first polynomial of one whose second is all ones, and comes out.
     */
    function coefficients(plain: PlainText): bigint[] {
      const saved = plain.saveArray(rt.seal.ComprModeType.none);
      const n = rt.slots * 2;
      // Plaintext: header, parms id, coefficient count, scale, then its array's header and size.
      const data = new DataView(saved.buffer, saved.byteOffset + 16 + 32 + 8 + 8 + 16 + 8, 8 * n);
      const bytes = cipherBytes(n, 1, scope.own(plain.parmsId).values, plain.scale, true);
      const view = new DataView(bytes.buffer);
      for (let c = 0; c < n; c++) {
        view.setBigUint64(CIPHER_DATA_AT + 8 * c, data.getBigUint64(8 * c, true), true);
        view.setBigUint64(CIPHER_DATA_AT + 8 * (n + c), 1n, true);
      }
      const cipher = scope.own(rt.seal.CipherText());
      cipher.loadArray(rt.context, bytes);
      rt.evaluator.cipherTransformFromNtt(cipher, cipher);
      const out = new DataView(cipher.saveArray(rt.seal.ComprModeType.none).buffer);
      return Array.from({ length: n }, (_, c) => out.getBigUint64(CIPHER_DATA_AT + 8 * c, true));
    }

    /** What a flood added, coefficient by coefficient: flooded minus unflooded, centred modulo q. */
    function added(flooded: CipherText): Float64Array {
      const a = coefficients(decrypt(flooded));
      const b = coefficients(decrypt(unflooded));
      return Float64Array.from(a, (v, i) => {
        const d = (v - b[i] + q) % q;
        return Number(d > q / 2n ? d - q : d);
      });
    }

    const copy = (): CipherText => {
      const c = scope.own(rt.seal.CipherText());
      c.copy(unflooded);
      return c;
    };

    it('adds Gaussian noise of the asked spread to every coefficient, every residue covered, coefficients independent', () => {
      const flooded = copy();
      addSampledFlood(rt, scope, flooded, encryptZero(), std);
      assert.equal(flooded.scale, unflooded.scale);
      const noise = added(flooded);
      // The fresh zero adds about 30 per coefficient in quadrature: 5000 becomes 5000.1.
      assert.ok(Math.abs(spread(noise) / std - 1) < 0.03, `spread ${spread(noise).toFixed(1)} where ${std} was asked`);
      assert.ok(residueChiSquare(noise, 7, 7) < CHI6);
      assert.ok(residueChiSquare(noise, 4096, 16) < CHI15);
      let lag = 0;
      for (let i = 1; i < noise.length; i++) lag += noise[i] * noise[i - 1];
      const correlation = lag / (noise.length - 1) / spread(noise) ** 2;
      assert.ok(Math.abs(correlation) < 0.05, `neighbouring coefficients correlate ${correlation.toFixed(3)}`);
      // Re-randomized: the second polynomial is not the result's.
      const second = (c: CipherText) => Buffer.from(c.saveArray(rt.seal.ComprModeType.none)).subarray(CIPHER_DATA_AT + 8 * rt.slots * 2);
      assert.ok(!second(flooded).equals(second(unflooded)));
    });

    it('the same check reads every residue modulo the factor of one scaled encryption of zero', () => {
      const flooded = copy();
      const zero = encryptZero();
      const factor = scope.own(rt.encoder.encode(new Float64Array(rt.slots).fill(4096), 1));
      rt.evaluator.plainModSwitchTo(factor, scope.own(zero.parmsId), factor);
      rt.evaluator.multiplyPlain(zero, factor, zero);
      zero.setScale(flooded.scale);
      rt.evaluator.add(flooded, zero, flooded);
      const noise = added(flooded);
      assert.ok(noise.every((v) => v % 4096 === 0), 'every coefficient a multiple of the factor');
      assert.ok(residueChiSquare(noise, 4096, 16) > 1000);
    });

    it('two floods of one result are independent', () => {
      const a = copy();
      const b = copy();
      addSampledFlood(rt, scope, a, encryptZero(), std);
      addSampledFlood(rt, scope, b, encryptZero(), std);
      const na = added(a);
      const nb = added(b);
      const apart = spread(na.map((v, i) => v - nb[i])) / (Math.SQRT2 * std);
      assert.ok(Math.abs(apart - 1) < 0.03, `two floods differ by ${apart.toFixed(3)} of two independent ones`);
    });
  });
});
