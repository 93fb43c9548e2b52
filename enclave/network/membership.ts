/**
 * The enclave's standing in the network: its X25519 identity (private key in the secrets table, public
 * key pinned at the hub) and the token the hub presents (only its hash is kept, like principals').
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { exportIdentity, generateIdentity, Identity, importIdentity } from '../../lab/secagg';
import { hashToken } from '../auth/principals';
import { appendAudit } from '../audit/log';
import { Db, Queries } from '../store/db';

const IDENTITY = 'network-identity';
const HUB_TOKEN = 'network-hub-token';

/** The identity, created on first use; kept for the life of the database so the hub's pin holds. */
export async function networkIdentity(db: Db): Promise<Identity> {
  const row = await db.get<{ value: Buffer }>('SELECT value FROM secrets WHERE name = ?', [IDENTITY]);
  if (row) return importIdentity(row.value);
  const identity = generateIdentity();
  await db.run('INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)', [IDENTITY, exportIdentity(identity)]);
  // Two first uses at once: whichever insert won is the identity.
  return importIdentity((await db.get<{ value: Buffer }>('SELECT value FROM secrets WHERE name = ?', [IDENTITY]))!.value);
}

/** Issues the token the hub calls this enclave with, replacing any earlier one; shown once. */
export async function issueHubToken(db: Db, actor: string): Promise<{ token: string; publicKey: string }> {
  const { publicKey } = await networkIdentity(db);
  const token = `jlh_${randomBytes(24).toString('base64url')}`;
  await db.transaction(async (q) => {
    await q.run('INSERT OR REPLACE INTO secrets (name, value) VALUES (?, ?)', [HUB_TOKEN, Buffer.from(hashToken(token))]);
    await appendAudit(q, { actor, action: 'network.hub-token', object: 'network:hub', detail: { publicKey } });
  });
  return { token, publicKey };
}

export async function isHubToken(q: Queries, token: string): Promise<boolean> {
  const row = await q.get<{ value: Buffer }>('SELECT value FROM secrets WHERE name = ?', [HUB_TOKEN]);
  if (!row) return false;
  const given = Buffer.from(hashToken(token));
  return given.length === row.value.length && timingSafeEqual(given, row.value);
}
