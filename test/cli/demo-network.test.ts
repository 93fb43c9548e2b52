import { strict as assert } from 'node:assert';
import { runCliAsync } from '../helpers/cli';

describe('jointlab demo --network', function () {
  this.timeout(600_000);
  it('runs a hub and three provincial enclaves on loopback: network models released, routed scores from every province, audit chains intact', async () => {
    const run = await runCliAsync(['demo', '--network', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const outcome = JSON.parse(run.stdout);
    assert.deepEqual(outcome.provinces.map((p: { province: string }) => p.province), ['44', '33', '32']);
    assert.deepEqual(outcome.network.map((n: { family: string; state: string }) => [n.family, n.state]), [['lr', 'released'], ['scorecard', 'released']]);
    for (const n of outcome.network) assert.ok(n.testAuc > 0.65, `network ${n.family} AUC ${n.testAuc}`);
    for (const p of outcome.provinces) assert.ok(p.ownTestAuc > 0.6);
    assert.ok(outcome.scoring.scored > 0);
    for (const code of ['44', '33', '32']) assert.ok(outcome.scoring.byProvince[code] > 0, `scores from ${code}`);
    assert.ok(outcome.audit.every((a: { ok: boolean }) => a.ok));
  });
});
