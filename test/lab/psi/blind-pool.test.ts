import { strict as assert } from 'node:assert';
import { BackgroundGroup, BlindPool } from '../../../lab/psi/blind-pool';
import { hashToPoint, psiDomain } from '../../../lab/psi/hash-to-point';
import { SmallOrderPoint, multiply, newScalar } from '../../../lab/psi/x25519';
import { SMALL_ORDER } from './small-order';

describe('PSI worker pool (lab/psi/blind-pool.ts)', () => {
  const pool = new BlindPool(2);
  after(() => pool.close());

  it('hashes and blinds across workers with the same bytes as the main thread, in order, reporting progress', async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `id-${i}`);
    const domain = psiDomain('d', 'n');
    const scalar = newScalar();
    let done = 0;
    const packed = await pool.hashAndBlind(domain, ids, scalar, (n) => (done += n));
    assert.equal(done, ids.length);
    assert.equal(packed.length, ids.length * 32);
    for (const i of [0, 2047, 2048, 4999]) assert.deepEqual(packed.subarray(i * 32, i * 32 + 32), multiply(scalar, hashToPoint(domain, ids[i])));
    const e = newScalar();
    const twice = await pool.blind(packed, e);
    for (const i of [0, 3000, 4999]) assert.deepEqual(twice.subarray(i * 32, i * 32 + 32), multiply(e, packed.subarray(i * 32, i * 32 + 32)));
  });

  it('hashes awkward ids as the main thread does: empty, multi-byte, a lone surrogate, long, and a newline (which keeps its piece as strings)', async () => {
    const domain = psiDomain('d', 'n');
    const scalar = newScalar();
    const awkward = ['', 'é-id', '企业\u{1F600}', '\ud800x', 'x'.repeat(5000), '', 'last'];
    const pieceWithNewline = ['a\nb', 'plain', ''];
    for (const ids of [awkward, pieceWithNewline, ['']]) {
      const packed = await pool.hashAndBlind(domain, ids, scalar);
      ids.forEach((id, i) => assert.deepEqual(packed.subarray(i * 32, i * 32 + 32), multiply(scalar, hashToPoint(domain, id)), JSON.stringify(id).slice(0, 20)));
    }
  });

  it('leaves the caller its buffers: a body blinded from a Buffer view is still whole afterwards', async () => {
    const body = Buffer.concat([Buffer.alloc(7), ...Array.from({ length: 3000 }, (_, i) => hashToPoint('x', String(i)))]);
    const view = body.subarray(7);
    const before = Buffer.from(view);
    const out = await pool.blind(view, newScalar());
    assert.equal(out.length, view.length);
    assert.deepEqual(view, before);
    assert.equal(body.length, 7 + 3000 * 32);
  });

  it('rejects a call holding a small-order point with its position, and keeps working afterwards', async () => {
    const points = Buffer.concat([...Array.from({ length: 3000 }, (_, i) => hashToPoint('x', String(i)))]);
    Buffer.from(SMALL_ORDER[2], 'hex').copy(points, 2500 * 32);
    await assert.rejects(pool.blind(points, newScalar()), (e: unknown) => e instanceof SmallOrderPoint && (e as unknown as { index: number }).index === 2500);
    const ok = await pool.blind(points.subarray(0, 64), newScalar());
    assert.equal(ok.length, 64);
  });

  it('runs session work before background work, and a promoted background group with the sessions', async () => {
    const one = new BlindPool(1);
    try {
      const ids = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}-${i}`);
      const finished: string[] = [];
      const note = (name: string) => (out: Buffer) => {
        finished.push(name);
        return out;
      };
      const [a, b] = [new BackgroundGroup(), new BackgroundGroup()];
      // One worker: each call is cut into pieces of 2,048 ids, queued in this order.
      const first = one.hashAndBlind('d', ids(6144, 'a'), newScalar(), undefined, a).then(note('background a'));
      const second = one.hashAndBlind('d', ids(4096, 'b'), newScalar(), undefined, b).then(note('background b'));
      const session = one.hashAndBlind('d', ids(2048, 's'), newScalar()).then(note('session'));
      one.promote(b);
      await Promise.all([first, second, session]);
      // a's first piece was already running when the others came; the session and the promoted b go next.
      assert.deepEqual(finished, ['session', 'background b', 'background a']);
    } finally {
      await one.close();
    }
  });
});
