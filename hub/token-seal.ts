/**
 * The tokens member enclaves issued to the hub, sealed at rest: the hub must present each token, so it
 * cannot keep only a hash (as it does for its own principals' tokens); it keeps it AES-256-GCM sealed
 * under a key that lives in a file beside the database, never in it, so a copy of the database file
 * (a backup, a stolen disk image of the data volume) lets no one call a member as the hub.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { JointlabError } from '../lab/errors';
import { Db } from '../enclave/store/db';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The seal key of each open hub database (set where the hub opens its store). */
const keys = new WeakMap<Db, Buffer>();

/** Where the key lives when the operator names no file: beside the database, `hub.db` -> `hub.db.key`. */
export function defaultKeyFile(dbFile: string): string {
  return `${dbFile}.key`;
}

/** Reads the key file, or creates it (owner-only) the first time the hub opens its database. */
export function loadSealKey(file: string): Buffer {
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new JointlabError('hub_key_file', `the hub's key file ${file} does not hold a ${KEY_BYTES}-byte key`, 'usage');
  return key;
}

export function useSealKey(db: Db, key: Buffer): void {
  keys.set(db, key);
}

function keyOf(db: Db): Buffer {
  const key = keys.get(db);
  if (!key) throw new JointlabError('hub_key_file', "the hub's database was opened without its key file", 'server');
  return key;
}

/** The member's province is bound into the seal, so a sealed token moved to another member's row does not open. */
export function sealToken(db: Db, province: string, token: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(db), iv);
  cipher.setAAD(Buffer.from(`member:${province}`));
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function openToken(db: Db, province: string, sealed: Buffer): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(db), sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`member:${province}`));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch (e) {
    if (e instanceof JointlabError) throw e;
    throw new JointlabError('hub_key_file', `the token of member ${province} does not open under this key file (another hub's key?); register the member again`, 'server');
  }
}
