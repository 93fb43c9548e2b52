/** Ids to X25519 u-coordinates: SHA-256 under a domain that names the protocol version, the dataset and the session. */
import { createHash } from 'node:crypto';
import { sodium } from './sodium';

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
  // The same SHA-256 either way; libsodium's one call costs about 40% of a node:crypto hash object's.
  if (sodium) {
    const out = Buffer.alloc(32);
    sodium.crypto_hash_sha256(out, Buffer.from(domain + id));
    return out;
  }
  return createHash('sha256').update(domain).update(id).digest();
}

/**
 * `hashToPoint` for many ids under one domain, writing each u-coordinate into the caller's 32 bytes:
 * the domain's bytes are written once and nothing is allocated per id (through libsodium; the
 * `node:crypto` fallback hashes as `hashToPoint` does). Same bytes as `hashToPoint` (tested).
 */
export function pointHasher(domain: string): (id: string, out: Uint8Array) => void {
  const lib = sodium;
  if (!lib) return (id, out) => out.set(hashToPoint(domain, id));
  const prefix = Buffer.from(domain);
  let scratch = Buffer.alloc(prefix.length + 256);
  prefix.copy(scratch);
  return (id, out) => {
    // A UTF-16 unit takes at most 3 bytes in UTF-8: with that much room, write never truncates.
    if (prefix.length + 3 * id.length > scratch.length) {
      scratch = Buffer.alloc(prefix.length + 3 * id.length);
      prefix.copy(scratch);
    }
    const written = scratch.write(id, prefix.length);
    lib.crypto_hash_sha256(out, scratch.subarray(0, prefix.length + written));
  };
}
