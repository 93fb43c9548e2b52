/**
 * `jointlab demo --seed S` prints the same figures on any day and on any run (issue 16): the
 * consents are dated relative to the demo's day, the released noise is keyed to the data's content
 * and the seed, not to an import time or a fresh key. Two runs in separate folders, the second with
 * its clock 250 days ahead, must print the same story.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { REPO_ROOT, runCliAsync, tempDir } from '../helpers/cli';

const SHIFTED_CLOCK = join(REPO_ROOT, 'dist', 'test', 'helpers', 'shifted-clock.js');

/**
 * What may differ between two runs: the port, wall-clock seconds, and the encrypted training's
 * figures that follow its rounds' differential-privacy noise (fresh randomness by design: keyed noise
 * would cancel between two sessions whose labels differ in one row, enclave/release/he-rounds.ts).
 */
function comparable(stdout: string): string {
  return stdout
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .replace(/\d+(\.\d+)? s\b/g, 'N s')
    .replace(/noise flooding >= [\d.]+ bits/g, 'noise flooding >= N bits')
    // How many Newton rounds the noise lets converge, so how many answers come down.
    .replace(/the last \d+ averaged/g, 'the last N averaged')
    .replace(/[\d.]+ MB down/g, 'N MB down')
    .replace(/AUC on the scored ones [\d.]+/g, 'AUC on the scored ones N');
}

describe('demo reproducibility', function () {
  this.timeout(600_000);

  it('prints the same figures for the same seed on another day and in another run', async () => {
    const run = (days: number) =>
      runCliAsync(['demo', '--seed', '11', '--no-out'], { cwd: tempDir('jointlab-demo-run-'), env: { JOINTLAB_TEST_DAYS_AHEAD: String(days), NODE_OPTIONS: `--require ${SHIFTED_CLOCK}` } });
    const today = await run(0);
    assert.equal(today.code, 0, today.stderr);
    const later = await run(250);
    assert.equal(later.code, 0, later.stderr);
    assert.match(today.stdout, /test AUC/);
    assert.match(today.stdout, /with scoring consent scored, \d+ refused by id/);
    assert.equal(comparable(later.stdout), comparable(today.stdout));
  });
});
