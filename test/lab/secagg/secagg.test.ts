import { strict as assert } from 'node:assert';
import { DEFAULT_SCALE_BITS, decodeFixed, encodeFixed, encodingLimit, generateIdentity, maskVector, ringFromBytes, ringToBytes, sumModular, Identity } from '../../../lab/secagg';
import { JointlabError } from '../../../lab/errors';
import { Random } from '../../../models/random';

const members = ['11', '44', '33'].map((id) => ({ id, identity: generateIdentity() }));
const roster = members.map((m) => ({ id: m.id, publicKey: m.identity.publicKey }));
const context = { job: 'nj_test', round: 'r1' };

function vectors(length: number, seed: number): Float64Array[] {
  const random = new Random(seed);
  return members.map(() => Float64Array.from({ length }, () => (random.uniform() - 0.5) * 2000));
}

function masked(values: Float64Array[], ctx = context, who: { id: string; identity: Identity }[] = members): BigUint64Array[] {
  return who.map((m, i) => maskVector(m.id, m.identity, roster, ctx, encodeFixed(values[i], DEFAULT_SCALE_BITS, members.length)));
}

describe('secure aggregation (lab/secagg)', () => {
  it('encodes and decodes within half a unit of the last fixed-point place, negatives included', () => {
    const values = [0, 1, -1, 3.14159265, -2.5e-8, 123456.789, -987654.321];
    const back = decodeFixed(encodeFixed(values));
    values.forEach((v, i) => assert.ok(Math.abs(back[i] - v) <= 2 ** -(DEFAULT_SCALE_BITS + 1), `entry ${i}`));
  });

  it('refuses values that could wrap the sum, naming the entry', () => {
    const limit = encodingLimit(DEFAULT_SCALE_BITS, 3);
    assert.throws(() => encodeFixed([0, limit * 1.01], DEFAULT_SCALE_BITS, 3), (e: unknown) => e instanceof JointlabError && e.code === 'secagg_range' && /entry 1/.test(e.message));
    assert.throws(() => encodeFixed([Number.NaN]), (e: unknown) => e instanceof JointlabError && e.code === 'secagg_range');
  });

  it('sums masked vectors to the plain sum within the fixed-point error', () => {
    const values = vectors(500, 1);
    const sum = decodeFixed(sumModular(masked(values)));
    for (let i = 0; i < 500; i++) {
      const plain = values[0][i] + values[1][i] + values[2][i];
      // Each member rounds once: at most 3 half-units.
      assert.ok(Math.abs(sum[i] - plain) <= 3 * 2 ** -(DEFAULT_SCALE_BITS + 1), `entry ${i}`);
    }
  });

  it('masks cancel exactly: the masked sum equals the sum of the unmasked encodings', () => {
    const values = vectors(64, 2);
    const plain = sumModular(values.map((v) => encodeFixed(v, DEFAULT_SCALE_BITS, 3)));
    assert.deepEqual(sumModular(masked(values)), plain);
  });

  it('one masked vector alone, or a sum missing one member, is far from any statistic (a dropout must abort)', () => {
    const values = vectors(200, 3);
    const all = masked(values);
    const lone = decodeFixed(all[0]);
    const partial = decodeFixed(sumModular([all[0], all[1]]));
    const truth = values[0].map((v, i) => v + values[1][i]);
    // The masked entries are uniform on the ring: their typical size is ~2^(63-24), while the statistic's is ~1000.
    let farLone = 0;
    let farPartial = 0;
    for (let i = 0; i < 200; i++) {
      if (Math.abs(lone[i] - values[0][i]) > 1e6) farLone++;
      if (Math.abs(partial[i] - truth[i]) > 1e6) farPartial++;
    }
    assert.ok(farLone >= 195, `${farLone} of 200 entries masked`);
    assert.ok(farPartial >= 195, `${farPartial} of 200 entries masked`);
  });

  it('different round ids (and jobs) give different masks; the same round gives the same', () => {
    const zero = [new Float64Array(32), new Float64Array(32), new Float64Array(32)];
    const r1 = masked(zero, { job: 'nj_test', round: 'r1' })[0];
    const r1again = masked(zero, { job: 'nj_test', round: 'r1' })[0];
    const r2 = masked(zero, { job: 'nj_test', round: 'r2' })[0];
    const otherJob = masked(zero, { job: 'nj_other', round: 'r1' })[0];
    assert.deepEqual(r1, r1again);
    assert.notDeepEqual(r1, r2);
    assert.notDeepEqual(r1, otherJob);
    let same = 0;
    for (let i = 0; i < 32; i++) if (r1[i] === r2[i]) same++;
    assert.equal(same, 0);
  });

  it('round-trips vectors through bytes and refuses wrong lengths', () => {
    const v = encodeFixed([1, -2, 3.5]);
    assert.deepEqual(ringFromBytes(ringToBytes(v), 3), v);
    assert.throws(() => ringFromBytes(Buffer.alloc(23)), (e: unknown) => e instanceof JointlabError && e.code === 'secagg_length');
    assert.throws(() => ringFromBytes(Buffer.alloc(16), 3), (e: unknown) => e instanceof JointlabError && e.code === 'secagg_length');
  });

  it('refuses a member not in the roster', () => {
    const outsider = generateIdentity();
    assert.throws(() => maskVector('99', outsider, roster, context, new BigUint64Array(4)), (e: unknown) => e instanceof JointlabError && e.code === 'secagg_not_member');
  });
});
