/**
 * Pairwise masks (Bonawitz et al.'s secure aggregation without the dropout recovery): each pair of
 * members expands its X25519 secret, through HKDF bound to (job, round, pair), into an AES-256-CTR
 * stream read as a vector modulo 2^64. The lower id adds the pair's mask and the higher subtracts
 * it, so the masks cancel in the sum of all members and nowhere else: a sum missing one member is
 * uniformly random, which is why a dropout aborts the round instead of revealing anything.
 */
import { createCipheriv, hkdfSync } from 'node:crypto';
import { JointlabError } from '../errors';
import { Identity, sharedSecret } from './identity';

export interface MaskContext {
  job: string;
  /** Fresh for every attempt: a mask reused on two different statistics would leak their difference. */
  round: string;
}

export interface Member {
  id: string;
  publicKey: string;
}

const SALT = Buffer.from('jointlab-secagg-v1');

/** The mask a pair shares for one (job, round), `length` entries; `low` < `high` are the pair's ids. */
export function pairMask(secret: Buffer, context: MaskContext, low: string, high: string, length: number): BigUint64Array {
  const info = Buffer.from(JSON.stringify([context.job, context.round, low, high]));
  const okm = Buffer.from(hkdfSync('sha256', secret, SALT, info, 48));
  const cipher = createCipheriv('aes-256-ctr', okm.subarray(0, 32), okm.subarray(32, 48));
  const stream = Buffer.concat([cipher.update(Buffer.alloc(length * 8)), cipher.final()]);
  const mask = new BigUint64Array(length);
  for (let i = 0; i < length; i++) mask[i] = stream.readBigUInt64LE(i * 8);
  return mask;
}

/** Adds this member's masks to its encoded statistic, in place and returned; `members` includes itself. */
export function maskVector(ownId: string, own: Identity, members: readonly Member[], context: MaskContext, vector: BigUint64Array): BigUint64Array {
  if (!members.some((m) => m.id === ownId)) throw new JointlabError('secagg_not_member', 'this member is not in the round', 'conflict');
  const ids = new Set(members.map((m) => m.id));
  if (ids.size !== members.length) throw new JointlabError('secagg_members', 'member ids must be distinct', 'usage');
  for (const peer of members) {
    if (peer.id === ownId) continue;
    const [low, high] = ownId < peer.id ? [ownId, peer.id] : [peer.id, ownId];
    const mask = pairMask(sharedSecret(own, peer.publicKey), context, low, high, vector.length);
    if (ownId === low) for (let i = 0; i < vector.length; i++) vector[i] += mask[i];
    else for (let i = 0; i < vector.length; i++) vector[i] -= mask[i];
  }
  return vector;
}
