/**
 * Population fingerprints (enclave/release/differencing.ts) are the bytes the textbook computation
 * gives: HMAC-SHA-256 per id under the derived key, the first 8 bytes of each, de-duplicated and
 * sorted by Buffer.compare. Fingerprints stored by earlier releases are compared with new ones, so
 * a faster computation must not change a byte.
 */
import { strict as assert } from 'node:assert';
import { createHash, createHmac } from 'node:crypto';
import { digestOf, fingerprintIds, withRoles } from '../../../enclave/release/differencing';
import { Random } from '../../../models/random';

function textbook(secret: Buffer, ids: Iterable<string>): Buffer {
  const key = createHmac('sha256', secret).update('population-ids').digest();
  const hashes = [...new Set(ids)].map((id) => createHmac('sha256', key).update(id).digest().subarray(0, 8));
  return Buffer.concat(hashes.sort(Buffer.compare));
}

describe('population fingerprints: the bytes of the textbook computation', () => {
  it('equal the textbook HMAC-SHA-256 prefixes, sorted by bytes, for ids of every shape', async () => {
    const random = new Random(9);
    const ids = [
      ...Array.from({ length: 5000 }, (_, i) => `91330100${String(Math.floor(random.uniform() * 1e9)).padStart(9, '0')}${'0123456789ABCDEFGHJKLMNPQRTUWXY'[i % 31]}`),
      '',
      'same',
      'same',
      '统一社会信用代码',
      'x'.repeat(200),
      'y'.repeat(256),
      'z'.repeat(257),
      '统'.repeat(85), // 255 bytes
      '统'.repeat(86), // 258 bytes: past the scratch buffer
      // SHA-256's padding boundaries: one block holds up to 55 bytes of message after the pad's block.
      ...[54, 55, 56, 63, 64, 119, 120, 1000].map((n) => 'p'.repeat(n)),
      'lone \ud800 surrogate',
      '\u0000',
    ];
    for (const secret of [Buffer.alloc(32, 0x5a), Buffer.from('a short secret')]) {
      assert.ok((await fingerprintIds(secret, ids)).equals(textbook(secret, ids)));
      const roles = withRoles(ids, Int32Array.from({ length: 2000 }, (_, i) => i * 2));
      assert.ok((await fingerprintIds(secret, roles)).equals(textbook(secret, roles)));
    }
    assert.equal((await fingerprintIds(Buffer.alloc(32), [])).length, 0);
  });
});

/** The request and noise keys' digest by its definition: each part's UTF-8 bytes and a zero byte, part by part. */
function digestByParts(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex');
}

describe('digests of id lists: the bytes of the part-by-part definition', () => {
  it('equal it for lists of every shape, lone surrogates included (stored noise keys depend on them)', () => {
    const random = new Random(3);
    const lists = [
      [],
      [''],
      ['a', 'b'],
      ['统一社会信用代码', 'é', ''],
      ['\ud800', '\udc00'],
      ['x\ud83d', '\ude00y'],
      ['\ud83d\ude00'],
      Array.from({ length: 20000 }, () => String(Math.floor(random.uniform() * 1e12))),
    ];
    for (const parts of lists) {
      assert.equal(digestOf(parts), digestByParts(parts), JSON.stringify(parts.slice(0, 3)));
      assert.equal(digestOf(new Set(parts).values()), digestByParts([...new Set(parts)]));
    }
  });
});
