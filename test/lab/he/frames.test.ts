/** The HE envelope decoder refuses every malformed envelope with a JointlabError, never another exception. */
import { strict as assert } from 'node:assert';
import { JointlabError } from '../../../lab/errors';
import { decodeFrames, encodeFrames } from '../../../lab/he/frames';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { packSeal } from '../../../lab/he/seal-pack';
import { Random } from '../../../models/random';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** An envelope assembled by hand, so that lengths, counts and digests can lie. */
const raw = (head: string, count: number, blobs: [number, Buffer][]): Buffer =>
  Buffer.concat([Buffer.from('JLHE'), u32(Buffer.byteLength(head)), Buffer.from(head), u32(count), ...blobs.flatMap(([n, b]) => [u32(n), b])]);

function refusal(body: unknown): string {
  try {
    decodeFrames(body as Buffer);
  } catch (e) {
    assert.ok(e instanceof JointlabError, `not a JointlabError: ${String(e)}`);
    assert.equal(e.status, 400);
    return e.code;
  }
  return 'accepted';
}

describe('HE envelope decoding', function () {
  this.timeout(60_000);
  const good = encodeFrames({ job: 'j', paramSet: 'n8192' }, [Buffer.from('public key'), Buffer.from('galois keys')]);

  it('reads back what it encoded', () => {
    const { header, blobs } = decodeFrames<{ job: string }>(good);
    assert.equal(header.job, 'j');
    assert.deepEqual(blobs.map((b) => Buffer.from(b).toString()), ['public key', 'galois keys']);
  });

  it('refuses each kind of malformed envelope with a stable code', () => {
    const sha = (s: string) => encodeFrames({}, [Buffer.from(s)]);
    const digestOf = (s: string) => (JSON.parse(sha(s).subarray(8, 8 + sha(s).readUInt32BE(4)).toString()) as { sha256: string[] }).sha256[0];
    const cases: [string, unknown, string][] = [
      ['not a buffer', 'JLHE', 'bad_envelope'],
      ['nothing', Buffer.alloc(0), 'bad_envelope'],
      ['wrong magic', Buffer.concat([Buffer.from('JLHX'), good.subarray(4)]), 'bad_envelope'],
      ['a header length past the end', raw('{}', 0, []).fill(0xff, 4, 8), 'bad_envelope'],
      ['a header over the limit', raw('{}', 0, []).fill(0x7f, 4, 5), 'bad_envelope'],
      ['a header that is not JSON', raw('{"sha256": [', 0, []), 'bad_envelope'],
      ['a header that is an array', raw('[]', 0, []), 'bad_envelope'],
      ['a header that is null', raw('null', 0, []), 'bad_envelope'],
      ['a header nested 10,000 deep', raw(`{"a":${'['.repeat(10_000)}${']'.repeat(10_000)},"sha256":[]}`, 0, []), 'bad_envelope'],
      ['no digests', raw('{}', 0, []), 'bad_envelope'],
      ['digests that are not strings', raw('{"sha256":[1]}', 1, [[1, Buffer.from('x')]]), 'bad_envelope'],
      ['more digests than blobs', raw(`{"sha256":["${digestOf('x')}","x"]}`, 1, [[1, Buffer.from('x')]]), 'bad_envelope'],
      ['a count past the end', raw(`{"sha256":["${digestOf('x')}"]}`, 2, [[1, Buffer.from('x')]]), 'bad_envelope'],
      ['a huge count', raw('{"sha256":[]}', 0xffffffff, []), 'bad_envelope'],
      ['a blob length past the end', raw(`{"sha256":["${digestOf('x')}"]}`, 1, [[0xffffffff, Buffer.from('x')]]), 'bad_envelope'],
      ['bytes after the last blob', Buffer.concat([good, Buffer.from('!')]), 'bad_envelope'],
      ['a blob that does not match its digest', raw(`{"sha256":["${digestOf('x')}"]}`, 1, [[1, Buffer.from('y')]]), 'digest_mismatch'],
    ];
    for (const [what, body, code] of cases) assert.equal(refusal(body), code, what);
  });

  it('unpacks the blobs a "packed" list marks, passes the others through, and refuses a list that does not fit', async () => {
    const crypto = await BankCrypto.create('n8192', []);
    try {
      const cipher = crypto.encrypt([1, 0, 1]);
      const mixed = encodeFrames({ packed: [true, false] }, [packSeal(cipher, 'cipher'), Buffer.from('as is')]);
      const { blobs } = decodeFrames(mixed);
      assert.deepEqual(Buffer.from(blobs[0]), Buffer.from(cipher));
      assert.equal(Buffer.from(blobs[1]).toString(), 'as is');
      for (const packed of [[true], [true, 'no'], [true, false, true], false, 'yes']) {
        assert.equal(refusal(encodeFrames({ packed }, [packSeal(cipher, 'cipher'), Buffer.from('as is')])), 'bad_envelope', JSON.stringify(packed));
      }
      // A blob marked packed that is not: refused as such, not read as SEAL's bytes.
      assert.equal(refusal(encodeFrames({ packed: [false, true] }, [cipher, Buffer.from('as is')])), 'bad_envelope');
    } finally {
      crypto.dispose();
    }
  });

  it('refuses every truncation and every single-byte change of a good envelope', () => {
    for (let n = 0; n < good.length; n++) assert.notEqual(refusal(good.subarray(0, n)), 'accepted', `truncated to ${n}`);
    // Seeded, so that a failure names the same byte again.
    const random = new Random(11);
    for (let i = 0; i < 2000; i++) {
      const copy = Buffer.from(good);
      const at = random.int(0, copy.length - 1);
      copy[at] ^= random.int(1, 255);
      const code = refusal(copy);
      // A change inside the header's JSON can leave it valid JSON (another job name): that is the route's to judge.
      if (code === 'accepted') assert.ok(at >= 8 && at < 8 + good.readUInt32BE(4), `byte ${at} changed and accepted`);
    }
  });
});
