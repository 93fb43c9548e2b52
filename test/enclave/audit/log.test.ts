/** The hash chain: verification passes on an honest log and names the first entry that was changed, removed or relinked. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { GENESIS_HASH, appendAudit, entryHash, verifyAudit } from '../../../enclave/audit/log';
import { openStore } from '../../../enclave/store/schema';
import { tempDir } from '../../helpers/cli';
import type { AuditEntry } from '../../../lab/api/audit';

async function logWith(entries: number) {
  const db = await openStore(join(tempDir(), 'audit.db'));
  for (let i = 0; i < entries; i++) await db.transaction((q) => appendAudit(q, { actor: `p${i}`, action: 'job.approved', object: `job:${i}`, detail: { i } }));
  return db;
}

describe('audit log', () => {
  it('links each entry to the one before from the genesis hash', async () => {
    const db = await logWith(3);
    const rows = await db.all<{ seq: number; prev_hash: string; hash: string }>('SELECT seq, prev_hash, hash FROM audit ORDER BY seq');
    assert.equal(rows[0].prev_hash, GENESIS_HASH);
    assert.equal(rows[1].prev_hash, rows[0].hash);
    assert.deepEqual(await verifyAudit(db), { ok: true, entries: 3 });
    await db.close();
  });

  it('refuses UPDATE and DELETE on the audit table itself', async () => {
    const db = await logWith(2);
    await assert.rejects(db.run("UPDATE audit SET actor = 'mallory' WHERE seq = 1"), /append-only/);
    await assert.rejects(db.run('DELETE FROM audit WHERE seq = 2'), /append-only/);
    await db.close();
  });

  it('names the first broken entry when someone edits, deletes or forges past the triggers', async () => {
    const db = await logWith(5);
    await db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    await db.run("UPDATE audit SET actor = 'mallory' WHERE seq = 3");
    assert.deepEqual(await verifyAudit(db), { ok: false, entries: 5, firstBroken: { seq: 3, problem: 'its content does not match its hash' } });

    // Recomputing entry 3's own hash hides the edit there, but entry 4 no longer links to it.
    const row = (await db.get<AuditEntry>('SELECT * FROM audit WHERE seq = 3'))!;
    await db.run('UPDATE audit SET hash = ? WHERE seq = 3', [entryHash(row)]);
    assert.deepEqual((await verifyAudit(db)).firstBroken, { seq: 4, problem: 'does not link to the entry before it' });

    await db.run('DELETE FROM audit WHERE seq = 2');
    assert.deepEqual((await verifyAudit(db)).firstBroken, { seq: 3, problem: 'entry 2 is missing' });
    await db.close();
  });
});
