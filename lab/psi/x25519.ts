/**
 * X25519 scalar multiplication on raw 32-byte u-coordinates, from `node:crypto` alone: the one group
 * operation of ECDH-PSI. Clamping makes X25519(a, X25519(b, u)) = X25519(b, X25519(a, u)).
 */
import { KeyObject, createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';

export const POINT_BYTES = 32;

/** PKCS#8 DER header of an X25519 private key (RFC 8410), followed by the 32 raw scalar bytes. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A secret scalar's 32 raw bytes, fresh from the system's random source. */
export function newScalar(): Buffer {
  return randomBytes(POINT_BYTES);
}

export function scalarKey(scalar: Uint8Array): KeyObject {
  if (scalar.length !== POINT_BYTES) throw new RangeError('an X25519 scalar is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, scalar]), format: 'der', type: 'pkcs8' });
}

/**
 * Thrown when a point multiplies to the all-zero output: the input was one of the small-order points
 * (or a non-canonical encoding of one), which would blind every id to the same value. OpenSSL refuses
 * to derive it; the caller maps this to the peer's bad input.
 */
export class SmallOrderPoint extends Error {
  override name = 'SmallOrderPoint';
}

/**
 * X25519(scalar, u). The public key goes in as JWK: OpenSSL 3's DER decoder costs more than the
 * multiplication itself (about 8,000 imports a second against 84,000 as JWK, measured here).
 */
export function multiply(scalar: KeyObject, u: Uint8Array): Buffer {
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(u.buffer, u.byteOffset, u.length).toString('base64url') }, format: 'jwk' });
  try {
    return diffieHellman({ privateKey: scalar, publicKey });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_OSSL_FAILED_DURING_DERIVATION') throw new SmallOrderPoint('the point has small order');
    throw e;
  }
}
