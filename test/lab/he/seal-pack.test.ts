/** Bit-packed SEAL uploads: exact round trips on real keys and ciphertexts, fewer bytes, and every damaged blob refused with a 400. */
import { strict as assert } from 'node:assert';
import { JointlabError } from '../../../lab/errors';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { decodeFrames, encodeFrames } from '../../../lab/he/frames';
import { rotationSteps } from '../../../lab/he/params';
import { SealKind, packSeal, unpackSeal } from '../../../lab/he/seal-pack';
import { Random } from '../../../models/random';

describe('bit-packed SEAL uploads', () => {
  let crypto: BankCrypto;
  let objects: { name: string; bytes: Uint8Array; kind: SealKind }[];

  before(async () => {
    crypto = await BankCrypto.create('n8192', rotationSteps('n8192'), { relinKeys: true });
    objects = [
      { name: 'public key', bytes: crypto.publicKeyBytes, kind: 'cipher' },
      { name: 'Galois keys', bytes: crypto.galoisKeyBytes, kind: 'keys' },
      { name: 'relinearization keys', bytes: crypto.relinKeyBytes, kind: 'keys' },
      { name: 'label ciphertext', bytes: crypto.encrypt([1, 0, 1, 1]), kind: 'cipher' },
    ];
  });
  after(() => crypto.dispose());

  it('unpacks to the exact bytes SEAL wrote, in fewer bytes (n8192: 60/40/40/60-bit moduli in 64-bit words)', () => {
    for (const { name, bytes, kind } of objects) {
      const packed = packSeal(bytes, kind);
      assert.ok(packed.length < 0.85 * bytes.length, `${name}: ${packed.length} of ${bytes.length} bytes`);
      assert.deepEqual(Buffer.from(unpackSeal(packed, 'bad_envelope', name)), Buffer.from(bytes), name);
    }
  });

  it('unpacks to the exact bytes SEAL wrote at n16384 too (60/60/50/60-bit moduli: the 50-bit rows take a path of their own)', async () => {
    const big = await BankCrypto.create('n16384', [1], { relinKeys: true });
    try {
      for (const [name, bytes, kind] of [['public key', big.publicKeyBytes, 'cipher'], ['Galois key', big.galoisKeyBytes, 'keys'], ['relinearization keys', big.relinKeyBytes, 'keys'], ['label ciphertext', big.encrypt([1, 0, 1]), 'cipher']] as const) {
        const packed = packSeal(bytes, kind);
        assert.ok(packed.length < 0.95 * bytes.length, `${name}: ${packed.length} of ${bytes.length} bytes`);
        assert.deepEqual(Buffer.from(unpackSeal(packed, 'bad_envelope', name)), Buffer.from(bytes), name);
      }
    } finally {
      big.dispose();
    }
  });

  it('travels in an envelope marked packed, which hands back SEAL bytes', () => {
    const blobs = objects.map((o) => packSeal(o.bytes, o.kind));
    const { blobs: back } = decodeFrames(encodeFrames({ packed: true }, blobs));
    back.forEach((b, k) => assert.deepEqual(Buffer.from(b), Buffer.from(objects[k].bytes)));
  });

  it('refuses truncated, extended and altered packed blobs with 400 bad_envelope, never another exception', () => {
    const packed = packSeal(objects[0].bytes, 'cipher');
    const random = new Random(3);
    const damaged = [
      ...[1, 17, 60, 200, packed.length - 1].map((n) => packed.subarray(0, n)),
      Buffer.concat([packed, Buffer.from([0])]),
      // The kind byte, a polynomial count and a bit width.
      ...[0, 1 + 16 + 32 + 1, 1 + 16 + 32 + 1 + 8 * 3 + 8 + 8 + 16 + 8].map((at) => {
        const copy = Uint8Array.from(packed);
        copy[at] ^= 0x7f;
        return copy;
      }),
      ...Array.from({ length: 20 }, () => packed.subarray(0, Math.floor(random.uniform() * packed.length))),
    ];
    for (const blob of damaged) {
      try {
        const back = unpackSeal(blob, 'bad_envelope', 'blob');
        // A change that keeps the layout may unpack; it must then differ from the original (the byte checks judge it).
        assert.notDeepEqual(Buffer.from(back), Buffer.from(objects[0].bytes));
      } catch (e) {
        assert.ok(e instanceof JointlabError, `not a JointlabError: ${String(e)}`);
        assert.equal(e.code, 'bad_envelope');
        assert.equal(e.status, 400);
      }
    }
  });

  it('refuses Galois keys in the retired packing for one level below the top (first byte 0x54) with a 400: Enc(X^T y) rotates at the top', () => {
    const whole = packSeal(crypto.galoisKeyBytes, 'keys');
    const retired = Uint8Array.from(whole);
    retired[0] = 0x54;
    assert.throws(() => unpackSeal(retired, 'bad_envelope', 'Galois keys'), (e: unknown) => e instanceof JointlabError && e.code === 'bad_envelope' && e.status === 400);
  });
});
