/**
 * The bank's ring arithmetic in WebAssembly (lab/he/ring/ring.ts) against SEAL and BigInt: the NTT must
 * be SEAL's to the bit (the enclave's SEAL reads the keys and ciphertexts it produces), the uniform
 * polynomial expanded from a seed must be the one SEAL expands, and products, differences and
 * residues must be the exact integers'.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { nttTransform } from '../../../../enclave/he/column-pairs';
import { Ring } from '../../../../lab/he/ring/ring';
import { ckksParmsId, isPrime, sealPrimes } from '../../../../lab/he/ring/ring-primes';
import { SHAKE256_PRNG, sampleUniform } from '../../../../lab/he/ring/seeded-uniform';
import { CIPHER_DATA_AT, seededCipherBytes } from '../../../../lab/he/seal-objects';
import { PARAM_SETS, ParamSetName } from '../../../../lab/he/params';
import { Scope, ckks } from '../../../../lab/he/seal-runtime';
import { Random } from '../../../../models/random';

const rowOf = (ring: Ring, row: number) => new BigUint64Array(ring.bytes(row).buffer, ring.at(row), ring.n);
/** Positions where two equally long arrays differ (a count, not a diff of 16,384 values). */
const mismatches = (a: ArrayLike<bigint>, b: ArrayLike<bigint>) => {
  assert.equal(a.length, b.length);
  let count = 0;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) count++;
  return count;
};

describe('ring arithmetic without SEAL (lab/he/ring)', function () {
  this.timeout(120_000);
  const random = new Random(5);
  /** A residue below q from 53 random bits times a 12-bit one, with 0 and q - 1 among them. */
  const residue = (q: bigint, k: number) => (k === 0 ? 0n : k === 1 ? q - 1n : (BigInt(Math.floor(random.uniform() * 2 ** 53)) * BigInt(Math.floor(random.uniform() * 4096) + 1)) % q);

  for (const name of ['n8192', 'n16384'] as ParamSetName[]) {
    it(`${name}: SEAL's forward NTT, value for value, for every data prime`, async () => {
      const set = PARAM_SETS[name];
      const n = set.polyModulusDegree;
      const primes = sealPrimes(n, set.coeffBits);
      const data = primes.length - 1;
      const rt = await ckks(name);
      const scope = new Scope();
      try {
        const ring = new Ring(n, primes, 1);
        // Two polynomials (a ciphertext's worth, SEAL's smallest object it transforms), prime-major.
        const values = new BigUint64Array(2 * data * n);
        for (let p = 0; p < 2; p++) for (let j = 0; j < data; j++) for (let k = 0; k < n; k++) values[(p * data + j) * n + k] = residue(primes[j], k);
        const first = scope.own(rt.context.firstParmsId);
        const seal = new BigUint64Array(nttTransform(rt, scope, first, rt.scale, new Uint8Array(values.buffer)).slice().buffer);
        for (let j = 0; j < data; j++) {
          rowOf(ring, ring.free).set(values.subarray(j * n, (j + 1) * n));
          ring.ntt(ring.free, j);
          assert.equal(mismatches(rowOf(ring, ring.free), seal.subarray(j * n, (j + 1) * n)), 0, `prime ${j}`);
        }
      } finally {
        scope.dispose();
      }
    });
  }

  /** What SEAL expands from `seed` for a key-level object under these primes (a zero first polynomial, loaded as a public key), and what the ring does. */
  async function bothExpansions(n: number, primes: bigint[], seed: Uint8Array): Promise<{ ours: BigUint64Array; seal: BigUint64Array }> {
    const ring = new Ring(n, primes, primes.length);
    sampleUniform(ring, seed, ring.free, primes.length);
    const rt = await ckks('n8192');
    const scope = new Scope();
    try {
      const parms = scope.own(rt.seal.EncryptionParameters(rt.seal.SchemeType.ckks));
      parms.setPolyModulusDegree(n);
      const moduli = primes.map((q) => scope.own(rt.seal.Modulus(q)));
      const vector = scope.own(rt.seal.Vector());
      vector.from(moduli.map((m) => m.instance) as unknown as BigUint64Array, 'Modulus');
      parms.setCoeffModulus(vector);
      const context = scope.own(rt.seal.Context(parms, true, rt.seal.SecurityLevel.tc128));
      assert.ok(context.parametersSet());
      const key = scope.own(rt.seal.PublicKey());
      key.loadArray(context, seededCipherBytes(n, primes.length, ckksParmsId(n, primes), 1, new Uint8Array(8 * n * primes.length), SHAKE256_PRNG, seed));
      const whole = key.saveArray(rt.seal.ComprModeType.none);
      const count = n * primes.length;
      return { ours: new BigUint64Array(ring.bytes(ring.free, primes.length).slice().buffer), seal: new BigUint64Array(whole.slice(CIPHER_DATA_AT + 8 * count, CIPHER_DATA_AT + 16 * count).buffer) };
    } finally {
      scope.dispose();
    }
  }

  it("expands a seed into the uniform polynomial SEAL expands from it (n16384's primes)", async () => {
    const set = PARAM_SETS.n16384;
    const { ours, seal } = await bothExpansions(set.polyModulusDegree, sealPrimes(set.polyModulusDegree, set.coeffBits), randomBytes(64));
    assert.equal(mismatches(ours, seal), 0);
  });

  it('redraws the words SEAL rejects, as SEAL does', async () => {
    // n16384's primes lie so close below 2^60 that a word is rejected about once in 2^40 draws. A prime
    // near 0.75 * 2^60 rejects about one word in 64: hundreds per polynomial.
    const n = 8192;
    const factor = BigInt(2 * n);
    const primes: bigint[] = [];
    for (let v = (((3n << 58n) / factor) * factor) + 1n; primes.length < 2; v -= factor) if (isPrime(v)) primes.push(v);
    const rejected = primes.map((q) => (1n << 64n) % q);
    assert.ok(rejected.every((r) => r * 100n > 1n << 64n), 'each prime rejects more than one word in 100');
    const { ours, seal } = await bothExpansions(n, primes, randomBytes(64));
    assert.equal(mismatches(ours, seal), 0);
  });

  it('multiplies, subtracts and takes residues exactly', () => {
    const primes = sealPrimes(8192, PARAM_SETS.n8192.coeffBits);
    const n = 8192;
    const ring = new Ring(n, primes, 4);
    const [x, y, out, f] = [0, 1, 2, 3].map((k) => ring.free + k);
    primes.forEach((q, j) => {
      const xs = Array.from({ length: n }, (_, k) => residue(q, k));
      const ys = Array.from({ length: n }, (_, k) => residue(q, k + 2));
      rowOf(ring, x).set(xs);
      rowOf(ring, y).set(ys);
      ring.toMontgomery(out, y, j);
      rowOf(ring, y).set(rowOf(ring, out));
      ring.mul(out, x, y, j);
      assert.equal(mismatches(rowOf(ring, out), xs.map((v, k) => (v * ys[k]) % q)), 0, `products modulo prime ${j}`);
      rowOf(ring, y).set(ys);
      ring.sub(out, x, y, j);
      assert.equal(mismatches(rowOf(ring, out), xs.map((v, k) => (((v - ys[k]) % q) + q) % q)), 0, `differences modulo prime ${j}`);
      ring.scaleBy(out, x, 12345n, j);
      assert.equal(mismatches(rowOf(ring, out), xs.map((v) => (v * 12345n) % q)), 0, `scaled modulo prime ${j}`);
      const doubles = ring.doubles(f);
      for (let k = 0; k < n; k++) doubles[k] = Math.round((random.uniform() - 0.5) * 2 ** (k % 62));
      ring.residues(out, f, j);
      assert.equal(mismatches(rowOf(ring, out), Array.from(doubles, (d) => ((BigInt(d) % q) + q) % q)), 0, `residues modulo prime ${j}`);
    });
  });
});
