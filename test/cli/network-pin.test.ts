/** `jointlab network pin --db`: a steward's pin of another member's key, on the enclave's file, audited with its fingerprint. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli';
import { generateIdentity, keyFingerprint } from '../../lab/secagg';
import { openStore } from '../../enclave/store/schema';
import { listPeers } from '../../enclave/network/peers';

describe('jointlab network pin', () => {
  it('pins a key on the database file, replaces it on a second pin (both on the audit chain), and refuses a malformed key', async () => {
    const db = join(tempDir(), 'enclave.db');
    assert.equal(runCli(['network', 'join', '--db', db, '--json']).code, 0);
    const first = generateIdentity().publicKey;
    const pinned = runCli(['network', 'pin', '--db', db, '--province', '11', '--key', first, '--json']);
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal(JSON.parse(pinned.stdout).fingerprint, keyFingerprint(first));
    const second = generateIdentity().publicKey;
    assert.equal(runCli(['network', 'pin', '--db', db, '--province', '11', '--key', second]).code, 0);
    const bad = runCli(['network', 'pin', '--db', db, '--province', '11', '--key', 'not-a-key', '--json']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr + bad.stdout, /bad_public_key|32 bytes/);
    const store = await openStore(db);
    try {
      assert.deepEqual((await listPeers(store)).map((p) => [p.province, p.publicKey]), [['11', second]]);
      const audit = await store.all<{ action: string; detail: string }>("SELECT action, detail FROM audit WHERE action = 'network.peer-pinned' ORDER BY seq");
      assert.equal(audit.length, 2);
      assert.deepEqual(JSON.parse(audit[1].detail), { fingerprint: keyFingerprint(second), replaced: keyFingerprint(first) });
    } finally {
      await store.close();
    }
  });
});
