/**
 * Differencing, rebuilt as a hostile bank would run it through the HTTP API: two uploads that differ
 * by one enterprise (not a customer, no consent), every other row the same and sent to training by
 * the bank's own split column; plaintext LR, DP LR at epsilon 1, and two encrypted-label training
 * sessions; then a tracker of three populations that each differ by far more than k. The test
 * computes the reconstruction n_A * mean_A - n_B * mean_B (and its tracker form) of the target's 18
 * numeric platform values: every one must miss by at least half the column's standard deviation, or
 * the job must be withheld (the session refused) with the differencing control's reason.
 */
import { strict as assert } from 'node:assert';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { HostileWorld, TARGET_COLUMNS, encoderOf, heKeys, hostileWorld, lrSpec, openHeTraining, reconstructionErrors, runJob, summary, upload } from './hostile-bank';

const HALF_SD = 0.5;

function assertNothingReconstructed(errors: Record<string, number>): void {
  assert.equal(Object.keys(errors).length, TARGET_COLUMNS.length);
  for (const [column, error] of Object.entries(errors)) assert.ok(error >= HALF_SD, `${column} reconstructed within ${error.toFixed(3)} sd`);
}

describe('differencing two uploads that differ by one enterprise', function () {
  this.timeout(600_000);
  let w: HostileWorld;
  let n: number;
  before(async () => {
    w = await hostileWorld();
    n = w.customers.length;
    // Bank A: its customers with the target added, and without. Bank B (or bank A under another
    // name, were the control per upload): the same upload without the target.
    await upload(w, 'bankA', 'with', [...w.customers, w.lineFor(w.target.id)]);
    await upload(w, 'bankA', 'without', w.customers);
    await upload(w, 'bankB', 'without', w.customers);
  });
  after(() => w.t.enclave.close());

  for (const [label, extra] of [
    ['plaintext LR', {}],
    ['DP LR at epsilon 1', { privacy: { epsilon: 1 } }],
  ] as const) {
    it(`${label}: the second job is withheld with its reason, and a second bank's copy reconstructs nothing`, async () => {
      const slug = label.replace(/\W+/g, '-');
      const a = await runJob(w, 'bankA', lrSpec(`${slug}-with`, 'with', extra));
      assert.equal(a.state, 'released', a.reason ?? '');
      const b = await runJob(w, 'bankA', lrSpec(`${slug}-without`, 'without', extra));
      assert.equal(b.state, 'withheld');
      assert.match(b.reason ?? '', /differencing control: the population is within 9 enterprises of the one of released job/);
      assert.deepEqual(b.results.released, {});
      assert.deepEqual(new Set(b.results.withheld.map((x) => x.part)), new Set(['parameters', 'metrics', 'curves']));

      // The control is per organization: another bank with the same customers gets its release. The
      // encoders must still give nothing away.
      const other = await runJob(w, 'bankB', lrSpec(`${slug}-without-b`, 'without', extra));
      assert.equal(other.state, 'released', other.reason ?? '');
      const errors = reconstructionErrors(w, [
        { encoder: encoderOf(a), n: n + 1, sign: 1 },
        { encoder: encoderOf(other), n, sign: -1 },
      ]);
      console.log(`      ${label}: reconstruction error ${summary(errors)}`);
      assertNothingReconstructed(errors);
      // Released row counts are noisy and rounded, never the exact ones the bank could subtract.
      for (const job of [a, other]) assert.equal(job.results.released.metrics!.rows.train % 5, 0);
    });
  }

  it('moving the one enterprise from the training rows to the test rows by the split column: withheld too', async () => {
    // The same ids as "with", so the bank sent nothing new; but the training rows differ by the target.
    await upload(w, 'bankA', 'moved', [...w.customers, [...w.lineFor(w.target.id).slice(0, -1), 'test']]);
    const moved = await runJob(w, 'bankA', lrSpec('moved', 'moved'));
    assert.equal(moved.state, 'withheld');
    assert.match(moved.reason ?? '', /differencing control/);
  });

  it("two encrypted-label training sessions: the second is refused with its reason, another bank's encoder reconstructs nothing", async () => {
    const spec = (name: string, uploadName: string) => ({ name, purpose: 'differencing test', mode: 'he-train', bank: { upload: uploadName }, platform: { dataset: 'platform', columns: TARGET_COLUMNS }, model: { family: 'lr' } });
    const approved = async (who: 'bankA' | 'bankB', body: object): Promise<string> => {
      const { id } = await w.t.client(who).request<{ id: string }>('POST', 'v1/jobs', { json: body });
      await w.t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
      return id;
    };
    const crypto: BankCrypto = await heKeys();
    try {
      const first = await openHeTraining(w, 'bankA', await approved('bankA', spec('he-with', 'with')), crypto);
      assert.equal(first.status, 201);
      const second = await openHeTraining(w, 'bankA', await approved('bankA', spec('he-without', 'without')), crypto);
      assert.equal(second.status, 409);
      assert.equal(second.json().code, 'population_too_close');
      assert.match(second.json().detail, /differencing control/);
      const other = await openHeTraining(w, 'bankB', await approved('bankB', spec('he-without-b', 'without')), crypto);
      assert.equal(other.status, 201);
      const errors = reconstructionErrors(w, [
        { encoder: first.json().training.encoder, n: n + 1, sign: 1 },
        { encoder: other.json().training.encoder, n, sign: -1 },
      ]);
      console.log(`      he-train encoders: reconstruction error ${summary(errors)}`);
      assertNothingReconstructed(errors);
    } finally {
      crypto.dispose();
    }
  });
});

describe('a tracker: three populations that each differ by far more than k', function () {
  this.timeout(600_000);
  let w: HostileWorld;
  before(async () => {
    w = await hostileWorld();
  });
  after(() => w.t.enclave.close());

  it('combined (P1 - P2 - P3 with P1 = S + T + target, P2 = S, P3 = T), they still do not give the target', async () => {
    const t = w.customers.slice(0, 600);
    const s = w.customers.slice(600);
    await upload(w, 'bankA', 'p1', [...s, ...t, w.lineFor(w.target.id)]);
    await upload(w, 'bankA', 'p2', s);
    await upload(w, 'bankA', 'p3', t);
    const jobs = [];
    for (const name of ['p1', 'p2', 'p3']) {
      const job = await runJob(w, 'bankA', lrSpec(`tracker-${name}`, name));
      assert.equal(job.state, 'released', `${name}: ${job.reason}`);
      jobs.push(job);
    }
    const errors = reconstructionErrors(w, [
      { encoder: encoderOf(jobs[0]), n: s.length + t.length + 1, sign: 1 },
      { encoder: encoderOf(jobs[1]), n: s.length, sign: -1 },
      { encoder: encoderOf(jobs[2]), n: t.length, sign: -1 },
    ]);
    console.log(`      tracker: reconstruction error ${summary(errors)}`);
    assertNothingReconstructed(errors);
    // The row counts combine no better: r1 - r2 - r3 is the target's membership plus noise of all three.
    const rows = jobs.map((j) => j.results.released.metrics!.rows.train);
    assert.ok(rows.every((r) => r % 5 === 0));
  });
});

describe('population fingerprints', () => {
  it('count the enterprises two populations do not share, up to k, from keyed hashes only', async () => {
    const { differenceSize, fingerprintIds } = await import('../../../enclave/release/differencing');
    const secret = Buffer.alloc(32, 3);
    const ids = Array.from({ length: 500 }, (_, i) => `id-${i}`);
    const a = await fingerprintIds(secret, ids);
    assert.equal(a.length, 500 * 8);
    assert.equal(differenceSize(a, await fingerprintIds(secret, [...ids].reverse())), 0);
    assert.equal(differenceSize(a, await fingerprintIds(secret, [...ids, 'extra'])), 1);
    assert.equal(differenceSize(a, await fingerprintIds(secret, [...ids.slice(3), 'x', 'y'])), 5);
    assert.equal(differenceSize(a, await fingerprintIds(secret, ids.slice(100)), 10), 10);
    // Under another enclave's key the same ids hash differently: the fingerprint names no id.
    assert.notDeepEqual(await fingerprintIds(Buffer.alloc(32, 4), ids), a);
    assert.ok(!a.toString('latin1').includes('id-1'));
  });
});
