/**
 * Population fingerprints (enclave/release/differencing.ts) are the bytes the textbook computation
 * gives: HMAC-SHA-256 per id under the derived key, the first 8 bytes of each, de-duplicated and
 * sorted by Buffer.compare. Fingerprints stored by earlier releases are compared with new ones, so
 * a faster computation must not change a byte.
 */
import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import { fingerprintIds, withRoles } from '../../../enclave/release/differencing';
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
