import { strict as assert } from 'node:assert';
import { datasetVersion, getDatasetMeta } from '../../../enclave/data/datasets';
import { PreparedSets } from '../../../enclave/psi/prepared-sets';
import { paddedPlatformSize, isPad } from '../../../enclave/release/psi-padding';
import { populationSecret } from '../../../enclave/release/population';
import { alignIds } from '../../../lab/client/psi-align';
import { BlindPool } from '../../../lab/psi/blind-pool';
import { hashToPoint } from '../../../lab/psi/hash-to-point';
import { multiply } from '../../../lab/psi/x25519';
import { TestEnclave, startTestEnclave } from '../../helpers/enclave';

const code = (prefix: string, i: number) => `${prefix}${String(i).padStart(10, '0')}`;
const csv = (ids: string[]) => Buffer.from(`id,x\n${ids.map((id, i) => `${id},${i % 5}`).join('\n')}\n`);

describe('PSI sets made ahead (enclave/psi/prepared-sets.ts): the enclave blinds its ids before a bank asks', () => {
  let t: TestEnclave;
  const pool = new BlindPool(2);
  const first = Array.from({ length: 1500 }, (_, i) => code('91330106', i));
  // The second snapshot keeps 500 of the first one's enterprises and brings 1,000 new ones.
  const second = [...first.slice(0, 500), ...Array.from({ length: 1000 }, (_, i) => code('91320100', i))];

  before(async () => {
    t = await startTestEnclave({ enterprises: 200, bankCustomers: 100 });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csv(first), query: { name: 'platform', idColumn: 'id' } });
  });
  after(async () => {
    await pool.close();
    await t.enclave.close();
  });

  const current = async () => datasetVersion(t.enclave.db, (await getDatasetMeta(t.enclave.db, 'platform'))!);

  it('makes a padded, shuffled set of the current snapshot, blinded under its own scalar by request chunk, and hands it out once', async () => {
    const sets = new PreparedSets(t.enclave.db, pool, 10_000, 500);
    await sets.prepare('platform');
    const version = await current();
    const side = (await sets.take('platform', version))!;
    assert.ok(side, 'a set is ready after prepare()');
    assert.equal(side.platformIds.length, paddedPlatformSize(1500, await populationSecret(t.enclave.db), version));
    assert.deepEqual(side.platformIds.filter((id) => !isPad(id)).sort(), [...first].sort());
    assert.notDeepEqual(side.platformIds.slice(0, 20), first.slice(0, 20), 'shuffled');
    assert.equal(side.blinded!.length, Math.ceil(side.platformIds.length / 500));
    const blinded = Buffer.concat(await Promise.all(side.blinded!));
    for (const i of [0, 777, side.platformIds.length - 1]) {
      assert.deepEqual(blinded.subarray(i * 32, i * 32 + 32), multiply(side.scalar, hashToPoint(side.domain, side.platformIds[i])));
    }
    // Taken: the next session finds none until the next set is made, and that one has its own secrets.
    assert.equal(await sets.take('platform', version), undefined);
    await sets.prepare('platform');
    const next = (await sets.take('platform', version))!;
    assert.ok(next);
    assert.notDeepEqual(next.scalar, side.scalar);
    assert.notEqual(next.nonce, side.nonce);
    sets.stop();
  });

  it('never hands out a set made from an older snapshot', async () => {
    const sets = new PreparedSets(t.enclave.db, pool, 10_000, 16_384);
    await sets.prepare('platform');
    const old = await current();
    await t.client('steward').request('POST', 'v1/datasets', { csv: csv(second), query: { name: 'platform', idColumn: 'id' } });
    const now = await current();
    assert.notEqual(now, old);
    assert.equal(await sets.take('platform', now), undefined);
    await sets.prepare('platform');
    const side = (await sets.take('platform', now))!;
    assert.deepEqual(side.platformIds.filter((id) => !isPad(id)).sort(), [...second].sort());
    sets.stop();
  });

  it('answers the matched ids in the file order, and counts an id the file repeats once, as the enclave does', async () => {
    await t.enclave.psiPrepared('platform');
    const ids = [second[700], code('91440300', 1), second[5], second[700], second[3], code('91440300', 2)];
    const r = await alignIds(t.client('bankA'), { dataset: 'platform', ids, pool });
    assert.deepEqual(r.matched, [second[700], second[5], second[700], second[3]]);
    assert.equal(r.session.intersection, 3);
    await t.client('bankA').send('DELETE', `v1/psi/sessions/${r.session.id}`);
  });

  it('a bank aligning after a new snapshot meets the new rows, through the set the enclave made ahead', async () => {
    await t.enclave.psiPrepared('platform');
    // 300 of the bank's ids left with the first snapshot, 300 arrived with the second, 200 were never on the platform.
    const ids = [...first.slice(1000, 1300), ...second.slice(600, 900), ...Array.from({ length: 200 }, (_, i) => code('91440300', i))];
    const r = await alignIds(t.client('bankA'), { dataset: 'platform', ids, pool });
    assert.deepEqual(r.matched, second.slice(600, 900));
    // The set was taken, and the next one is made for the following session.
    await t.enclave.psiPrepared('platform');
    const again = await alignIds(t.client('bankA'), { dataset: 'platform', ids, pool });
    assert.deepEqual(again.matched, second.slice(600, 900));
  });

  it('a session opened while its set is being made takes that set and waits for it, rather than blinding the ids twice', async () => {
    const sets = new PreparedSets(t.enclave.db, pool, 10_000, 16_384);
    const making = sets.prepare('platform');
    const version = await current();
    // Taken a moment after it was begun: take() waits for its ids to be read and shuffled, not for its points.
    const side = (await sets.take('platform', version))!;
    assert.ok(side);
    const blinded = Buffer.concat(await Promise.all(side.blinded!));
    assert.equal(blinded.length, side.platformIds.length * 32);
    assert.deepEqual(blinded.subarray(0, 32), multiply(side.scalar, hashToPoint(side.domain, side.platformIds[0])));
    await making;
    // It was taken, so it is not handed out again; the next one, made after it, has its own secrets.
    await sets.prepare('platform');
    const next = (await sets.take('platform', version))!;
    assert.ok(next);
    assert.notEqual(next.nonce, side.nonce);
    sets.stop();
  });

  it('does not hold sets for datasets above its size limit, nor any when the limit is 0', async () => {
    for (const limit of [1000, 0]) {
      const sets = new PreparedSets(t.enclave.db, pool, limit, 16_384);
      await sets.prepare('platform');
      assert.equal(await sets.take('platform', await current()), undefined);
      sets.stop();
    }
  });
});
