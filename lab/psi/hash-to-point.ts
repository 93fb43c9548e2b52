/** Ids to X25519 u-coordinates: SHA-256 under a domain that names the protocol version, the dataset and the session. */
import { createHash } from 'node:crypto';

export const PSI_VERSION = 'jointlab-psi-v1';

/**
 * The hashing domain of one PSI session. The session's nonce makes H(id) itself differ from one
 * session to the next, on top of the enclave's fresh scalar, so nothing computed in one session
 * matches anything from another.
 */
export function psiDomain(dataset: string, nonce: string): string {
  return `${PSI_VERSION}|${dataset}|${nonce}|`;
}

/**
 * H(id) as a u-coordinate. A uniformly random u lies on Curve25519 or on its twist, and both have
 * large prime-order subgroups (the twist security of Curve25519), so nobody knows its discrete log:
 * what DH-PSI needs of its hash. It lands on a small-order point with negligible probability, and
 * such a point is refused when it is multiplied anyway.
 */
export function hashToPoint(domain: string, id: string): Buffer {
  return createHash('sha256').update(domain).update(id).digest();
}
