/** The primes, roots and parms ids the bank derives without SEAL, against SEAL's own for both parameter sets. */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { blake2b } from '../../../../lab/he/ring/blake2b';
import { ckksParmsId, isPrime, powMod, primitiveRoot, sealPrimes } from '../../../../lab/he/ring/ring-primes';
import { PARAM_SETS, PARAM_SET_NAMES } from '../../../../lab/he/params';
import { Scope, ckks } from '../../../../lab/he/seal-runtime';

describe('a parameter set derived without SEAL (lab/he/ring/ring-primes.ts)', () => {
  it('BLAKE2b agrees with OpenSSL at 64 bytes, across block boundaries', () => {
    for (const length of [0, 1, 3, 127, 128, 129, 256, 300]) {
      const input = Uint8Array.from({ length }, (_, k) => (k * 131 + 7) & 0xff);
      assert.equal(Buffer.from(blake2b(input, 64)).toString('hex'), createHash('blake2b512').update(input).digest('hex'), `${length} bytes`);
    }
    // RFC 7693, appendix A: BLAKE2b-512("abc").
    assert.match(Buffer.from(blake2b(Buffer.from('abc'), 64)).toString('hex'), /^ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1/);
    assert.throws(() => blake2b(new Uint8Array(1), 65), RangeError);
  });

  it('tells primes from composites, Carmichael numbers and strong pseudoprimes included', () => {
    assert.deepEqual([2n, 3n, 4n, 561n, 3215031751n, 1152921504606846883n].map(isPrime), [true, true, false, false, false, true]);
    assert.equal(isPrime((1n << 61n) - 1n), true);
    assert.equal(isPrime(((1n << 61n) - 1n) * 3n), false);
  });

  for (const name of PARAM_SET_NAMES) {
    it(`${name}: SEAL's primes in SEAL's order, and the parms id of every level`, async () => {
      const set = PARAM_SETS[name];
      const rt = await ckks(name);
      const scope = new Scope();
      try {
        const primes = sealPrimes(set.polyModulusDegree, set.coeffBits);
        const key = scope.own(rt.context.keyContextData);
        assert.deepEqual(primes, Array.from(scope.own(key.parms).coeffModulus));
        // Every level: the key level, then one prime fewer each time down to the first prime.
        let data = key;
        for (let level = primes.length; level >= 1; level--) {
          assert.deepEqual(Array.from(ckksParmsId(set.polyModulusDegree, primes.slice(0, level))), Array.from(scope.own(data.parmsId).values), `${level} primes`);
          if (level > 1) data = scope.own(data.nextContextData);
        }
        for (const q of primes) {
          const root = primitiveRoot(set.polyModulusDegree, q);
          assert.equal(powMod(root, BigInt(set.polyModulusDegree), q), q - 1n);
        }
      } finally {
        scope.dispose();
      }
    });
  }
});
