/**
 * The enclave's half of one PSI session: a fresh secret scalar and hashing domain, and the dataset's
 * ids padded (enclave/release/psi-padding.ts) and shuffled, so that a position in the blinded set
 * says nothing about which enterprise it is. Made when a session opens, or ahead of it with the
 * blinded points already computed (prepared-sets.ts): either way one session uses it, once.
 */
import { randomBytes } from 'node:crypto';
import type { BackgroundGroup } from '../../lab/psi/blind-pool';
import { psiDomain } from '../../lab/psi/hash-to-point';
import { permute, randomPermutation } from '../../lab/psi/shuffle';
import { newScalar } from '../../lab/psi/x25519';
import type { DatasetMeta } from '../../lab/api/datasets';
import { populationSecret } from '../release/population';
import { padIds, paddedPlatformSize } from '../release/psi-padding';
import { Db } from '../store/db';

export interface PlatformSide {
  dataset: string;
  /** The snapshot the ids come from: a side made from an older one is never used. */
  version: string;
  /** The dataset's size (without padding). */
  platformCount: number;
  /** Ids and padding in the order the blinded set is sent. */
  platformIds: string[];
  scalar: Buffer;
  nonce: string;
  domain: string;
  /** H(id)^scalar for the entries of `platformIds`, by request chunk, when made ahead of the session (perhaps still being made). */
  blinded?: Promise<Buffer>[];
  /** The background work making `blinded`, which a session taking the side promotes. */
  group?: BackgroundGroup;
}

export async function makePlatformSide(db: Db, meta: DatasetMeta, version: string): Promise<PlatformSide> {
  const ids = (await db.all<{ entity_id: string }>('SELECT entity_id FROM dataset_rows WHERE dataset = ?', [meta.name])).map((r) => r.entity_id);
  const served = paddedPlatformSize(ids.length, await populationSecret(db), version);
  const platformSet = [...ids, ...padIds(served - ids.length)];
  const nonce = randomBytes(16).toString('hex');
  return {
    dataset: meta.name,
    version,
    platformCount: ids.length,
    platformIds: permute(platformSet, randomPermutation(platformSet.length)),
    scalar: newScalar(),
    nonce,
    domain: psiDomain(meta.name, nonce),
  };
}
