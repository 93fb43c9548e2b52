/** A secret key's rows for some of its primes: every row kept gives back SEAL's own bytes; damaged or foreign bytes are refused. */
import { strict as assert } from 'node:assert';
import { secretKeyPrimes, secretKeyRows } from '../../../lab/he/secret-key-rows';
import { Scope, ckks } from '../../../lab/he/seal-runtime';

describe('secret key rows', () => {
  let bytes: Uint8Array;
  let parms: BigUint64Array;
  const n = 8192;
  before(async () => {
    const rt = await ckks('n8192');
    const scope = new Scope();
    try {
      const keygen = scope.own(rt.seal.KeyGenerator(rt.context));
      bytes = scope.own(keygen.secretKey()).saveArray(rt.seal.ComprModeType.none);
      parms = scope.own(rt.context.keyParmsId).values;
    } finally {
      scope.dispose();
    }
  });

  it('keeps every row as SEAL wrote it, and two rows in the order asked', () => {
    const primes = secretKeyPrimes(bytes, n);
    assert.equal(primes, 4);
    assert.deepEqual(Buffer.from(secretKeyRows(bytes, n, [0, 1, 2, 3], parms)), Buffer.from(bytes));
    const two = secretKeyRows(bytes, n, [0, 3], parms);
    assert.equal(secretKeyPrimes(two, n), 2);
    const data = (b: Uint8Array, row: number) => Buffer.from(b.subarray(88 + 8 * n * row, 88 + 8 * n * (row + 1)));
    assert.deepEqual(data(two, 0), data(bytes, 0));
    assert.deepEqual(data(two, 1), data(bytes, 3));
  });

  it('refuses compressed, truncated or foreign-degree bytes and rows it does not hold', () => {
    const compressed = Uint8Array.from(bytes);
    compressed[5] = 2;
    assert.throws(() => secretKeyRows(compressed, n, [0], parms), /uncompressed/);
    assert.throws(() => secretKeyRows(bytes.subarray(0, bytes.length - 8), n, [0], parms));
    assert.throws(() => secretKeyRows(bytes, 5000, [0], parms), /degree/);
    assert.throws(() => secretKeyRows(bytes, n, [4], parms), /rows/);
  });
});
