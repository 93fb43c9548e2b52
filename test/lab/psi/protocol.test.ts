import { createHash, randomBytes } from 'node:crypto';
import { strict as assert } from 'node:assert';
import { JointlabError } from '../../../lab/errors';
import { hashToPoint, pointHasher, psiDomain } from '../../../lab/psi/hash-to-point';
import { PointSet } from '../../../lab/psi/match';
import { assertPoints, chunkRanges, pointAt } from '../../../lab/psi/points';
import { permute, randomPermutation } from '../../../lab/psi/shuffle';
import { POINT_BYTES, SmallOrderPoint, curveBackends, multiply, newScalar } from '../../../lab/psi/x25519';
import { SMALL_ORDER } from './small-order';

const hex = (s: string) => Buffer.from(s, 'hex');


const pack = (points: Uint8Array[]) => Buffer.concat(points);
const blindAll = (scalar: Buffer, points: Uint8Array[]) => points.map((p) => multiply(scalar, p));

describe('PSI protocol parts (lab/psi)', () => {
  for (const backend of curveBackends) {
    describe(`X25519 through ${backend}`, () => {
      it('multiplies as RFC 7748 says (its first X25519 test vector)', () => {
        const out = multiply(hex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'), hex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'), backend);
        assert.equal(out.toString('hex'), 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
      });

      it('blinding commutes: (H(id)^a)^b = (H(id)^b)^a for hashed ids, on the curve and on its twist alike', () => {
        const [a, b] = [newScalar(), newScalar()];
        const domain = psiDomain('platform', 'n1');
        for (let i = 0; i < 200; i++) {
          const u = hashToPoint(domain, `91330106${String(i).padStart(10, '0')}`);
          assert.deepEqual(multiply(b, multiply(a, u, backend), backend), multiply(a, multiply(b, u, backend), backend));
        }
      });

      it('refuses every small-order point (the all-zero output) with SmallOrderPoint', () => {
        const key = newScalar();
        for (const p of SMALL_ORDER) assert.throws(() => multiply(key, hex(p), backend), SmallOrderPoint, p);
        // A point with the top bit set is the same point once masked, and refused the same way.
        const high = hex(SMALL_ORDER[2]);
        high[31] |= 0x80;
        assert.throws(() => multiply(key, high, backend), SmallOrderPoint);
      });
    });
  }

  it('both backends compute the same bytes, so a bank on node:crypto and an enclave on libsodium match (run where sodium-native installs)', function () {
    if (!curveBackends.includes('libsodium')) this.skip();
    const s = newScalar();
    for (let i = 0; i < 500; i++) {
      // Random u-coordinates with the top bit set half the time: both mask it (RFC 7748).
      const u = randomBytes(32);
      assert.deepEqual(multiply(s, u, 'libsodium'), multiply(s, u, 'node:crypto'));
    }
  });

  it('hashes ids to the SHA-256 of domain and id, whichever library computes it', () => {
    const domain = psiDomain('platform', 'n1');
    for (const id of ['913301060MXBAH8Q59', 'é-id', '']) assert.deepEqual(hashToPoint(domain, id), createHash('sha256').update(domain + id).digest());
  });

  it('hashes many ids into one buffer to the same bytes as one by one (long, multi-byte and empty ids)', () => {
    const domain = psiDomain('platform', 'n1');
    const hash = pointHasher(domain);
    const out = new Uint8Array(POINT_BYTES);
    for (const id of ['913301060MXBAH8Q59', 'é-id', '', '企业'.repeat(200), 'x'.repeat(1000), '\u{1F600}id', 'short']) {
      hash(id, out);
      assert.deepEqual(Buffer.from(out), hashToPoint(domain, id), id.slice(0, 20));
    }
  });

  it('keeps a set of points that finds what a set of their key strings finds, as it grows, on unaligned bodies', () => {
    const points = Array.from({ length: 5000 }, () => randomBytes(POINT_BYTES));
    // A point differing only after the 16 key bytes counts as the same key; one differing in byte 15 does not.
    const tail = Buffer.from(points[0]);
    tail[20] ^= 1;
    const near = Buffer.from(points[1]);
    near[15] ^= 1;
    const set = new PointSet(8);
    // One byte of offset: bodies off the wire sit anywhere in their buffer.
    const stored = Buffer.concat([Buffer.alloc(1), ...points.slice(0, 3000), points[5]]).subarray(1);
    set.addAll(stored);
    assert.equal(set.size, 3000);
    const probe = Buffer.concat([Buffer.alloc(3), ...points, tail, near]).subarray(3);
    const keys = new Set(points.slice(0, 3000).map((p) => p.toString('latin1', 0, 16)));
    const expected: number[] = [];
    [...points, tail, near].forEach((p, i) => keys.has(p.toString('latin1', 0, 16)) && expected.push(i));
    assert.deepEqual(set.positionsIn(probe), expected);
    assert.ok(expected.includes(5000) && !expected.includes(5001) && expected.length === 3001);
  });

  it('hashes under a domain: another session nonce or dataset gives unrelated points', () => {
    const id = '913301060MXBAH8Q59';
    const base = hashToPoint(psiDomain('platform', 'aa'), id);
    assert.notDeepEqual(base, hashToPoint(psiDomain('platform', 'ab'), id));
    assert.notDeepEqual(base, hashToPoint(psiDomain('platform2', 'aa'), id));
    assert.deepEqual(base, hashToPoint(psiDomain('platform', 'aa'), id));
    assert.equal(base.length, POINT_BYTES);
  });

  it('runs the whole exchange in memory: the bank finds exactly the common ids, and nothing else matches', () => {
    const platform = Array.from({ length: 300 }, (_, i) => `P${i}`);
    const bankIds = [...platform.slice(100, 180), ...Array.from({ length: 120 }, (_, i) => `X${i}`)];
    const domain = psiDomain('platform', 'nonce');
    const [b, e] = [newScalar(), newScalar()];
    // Bank: H(y)^b, shuffled.
    const order = randomPermutation(bankIds.length);
    const sent = permute(bankIds, order);
    const up = blindAll(b, sent.map((y) => hashToPoint(domain, y)));
    // Enclave: (H(y)^b)^e in the same order, and its own H(x)^e shuffled.
    const back = pack(blindAll(e, up));
    const platformOrder = permute(platform, randomPermutation(platform.length));
    const platformBlinded = blindAll(e, platformOrder.map((x) => hashToPoint(domain, x)));
    // Bank: (H(x)^e)^b, then the positions of its own points among them.
    const doubled = pack(blindAll(b, platformBlinded));
    const setOf = (packed: Buffer) => {
      const set = new PointSet();
      set.addAll(packed);
      return set;
    };
    const found = setOf(doubled).positionsIn(back).map((i) => sent[i]);
    assert.deepEqual(found.sort(), platform.slice(100, 180).sort());
    // Enclave, from the bank's doubled set: the same intersection, as its own ids.
    const enclaveSide = setOf(back).positionsIn(doubled).map((i) => platformOrder[i]);
    assert.deepEqual(enclaveSide.sort(), platform.slice(100, 180).sort());
  });

  it('checks packed point bodies: empty, ragged, too many or not bytes answer bad_points', () => {
    assert.equal(assertPoints(Buffer.alloc(64), 10), 2);
    for (const body of [Buffer.alloc(0), Buffer.alloc(31), Buffer.alloc(33), Buffer.alloc(32 * 11), 'text', undefined]) {
      assert.throws(() => assertPoints(body, 10), (e: unknown) => e instanceof JointlabError && e.code === 'bad_points' && e.status === 400);
    }
    const packed = Buffer.from(Array.from({ length: 96 }, (_, i) => i));
    assert.equal(pointAt(packed, 2)[0], 64);
    assert.deepEqual(chunkRanges(5, 2), [{ from: 0, to: 2 }, { from: 2, to: 4 }, { from: 4, to: 5 }]);
  });

  it('shuffles into a permutation that differs from run to run', () => {
    const a = randomPermutation(1000);
    assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
    assert.notDeepEqual([...a], [...randomPermutation(1000)]);
    // Every position moves somewhere over many draws: no slot is pinned.
    const seen = new Set<number>();
    for (let k = 0; k < 200; k++) seen.add(randomPermutation(5)[0]);
    assert.equal(seen.size, 5);
  });
});
