/**
 * Membership from counts, rebuilt through the HTTP API: a bank uploads 600 of its customers, then the
 * same with one more id, and reads whether that enterprise is on the platform from what the two jobs
 * release. Two worlds side by side (bank A adds an enterprise the platform holds, bank B one it does
 * not hold); what the banks see must be the same in both, also when the bank pads the second upload
 * with k ids that are not on the platform to get past the differencing control.
 */
import { strict as assert } from 'node:assert';
import { generateUscc } from '../../../lab/synth/uscc';
import { Random } from '../../../models/random';
import { HostileWorld, JobOutcome, hostileWorld, lrSpec, runJob, upload } from './hostile-bank';

/** What a bank reads from a job, with job ids taken out (they differ between any two jobs). */
function seen(job: JobOutcome): unknown {
  return { state: job.state, reason: job.reason?.replace(/j_[\w-]+/g, 'JOB'), released: job.results.released, withheld: job.results.withheld.map((x) => ({ ...x, reason: x.reason.replace(/j_[\w-]+/g, 'JOB') })) };
}

describe('membership from counts', function () {
  this.timeout(600_000);
  let w: HostileWorld;
  let outsiders: string[];
  before(async () => {
    w = await hostileWorld();
    const random = new Random(77);
    // Valid codes the platform does not hold.
    outsiders = Array.from({ length: 12 }, () => generateUscc(random, '440300'));
    const base = w.customers.slice(0, 600);
    await upload(w, 'bankA', 'base', base);
    await upload(w, 'bankB', 'base', base);
    // World A adds the target (on the platform); world B adds an outsider.
    await upload(w, 'bankA', 'plus-one', [...base, w.lineFor(w.target.id)]);
    await upload(w, 'bankB', 'plus-one', [...base, w.lineFor(outsiders[0])]);
    // Padded past k with ids that are not on the platform: the uploads differ by 11, the joined rows by 1 or 0.
    const padding = outsiders.slice(1, 11).map((id) => w.lineFor(id));
    await upload(w, 'bankA', 'padded', [...base, ...padding, w.lineFor(w.target.id)]);
    await upload(w, 'bankB', 'padded', [...base, ...padding, w.lineFor(outsiders[11])]);
  });
  after(() => w.t.enclave.close());

  it('the first job over 600 customers releases only noisy, rounded counts', async () => {
    for (const who of ['bankA', 'bankB'] as const) {
      const job = await runJob(w, who, lrSpec('base', 'base'));
      assert.equal(job.state, 'released', job.reason ?? '');
      const rows = job.results.released.metrics!.rows.train;
      assert.equal(rows % 5, 0);
      assert.ok(Math.abs(rows - 600) <= 25, String(rows));
    }
  });

  for (const uploadName of ['plus-one', 'padded']) {
    it(`${uploadName}: with and without the enterprise on the platform, the banks see the same`, async () => {
      const member = await runJob(w, 'bankA', lrSpec(uploadName, uploadName));
      const outsider = await runJob(w, 'bankB', lrSpec(uploadName, uploadName));
      assert.equal(member.state, 'withheld');
      assert.match(member.reason ?? '', /differencing control/);
      assert.deepEqual(seen(member), seen(outsider));
    });
  }
});
