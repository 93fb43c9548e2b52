/**
 * Keyed hashes for identifiers that logs and the audit trail must refer to: HMAC-SHA-256 under a key
 * kept in the enclave's database, so the enclave can recognise an enterprise across entries while a
 * reader of the log (or a copy of it) cannot recover the code or test a guess without the key.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Db } from '../store/db';

export type Pseudonymizer = (id: string) => string;

export async function loadPseudonymizer(db: Db): Promise<Pseudonymizer> {
  let row = await db.get<{ value: Buffer }>("SELECT value FROM secrets WHERE name = 'pseudonym-key'");
  if (!row) {
    await db.run("INSERT OR IGNORE INTO secrets (name, value) VALUES ('pseudonym-key', ?)", [randomBytes(32)]);
    row = await db.get<{ value: Buffer }>("SELECT value FROM secrets WHERE name = 'pseudonym-key'");
  }
  const key = row!.value;
  // Scoring asks for the same enterprises' pseudonyms in every request (quota, model budget): kept, bounded.
  const known = new Map<string, string>();
  return (id) => {
    let hash = known.get(id);
    if (hash === undefined) {
      hash = `ph_${createHmac('sha256', key).update(id).digest('hex').slice(0, 20)}`;
      if (known.size >= 1_000_000) known.clear();
      known.set(id, hash);
    }
    return hash;
  };
}
