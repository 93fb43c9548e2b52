/**
 * X25519 scalar multiplication on raw 32-byte u-coordinates: the one group operation of ECDH-PSI.
 * Clamping makes X25519(a, X25519(b, u)) = X25519(b, X25519(a, u)). Two backends compute the same
 * bytes: libsodium through the optional `sodium-native` package when it is installed, and
 * `node:crypto` (OpenSSL) otherwise. The multiplications cost the same in both (about 36 µs here);
 * `node:crypto` also pays an import of every point as a key object (about 14 µs), which libsodium's
 * raw interface does without: a third of the time of a PSI point.
 */
import { KeyObject, createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import { sodium } from './sodium';

export const POINT_BYTES = 32;

export type CurveBackend = 'libsodium' | 'node:crypto';

/** The backend this process multiplies with. */
export const curveBackend: CurveBackend = sodium ? 'libsodium' : 'node:crypto';

/** The backends this process can use: node:crypto always, libsodium when it loaded. */
export const curveBackends: readonly CurveBackend[] = sodium ? ['libsodium', 'node:crypto'] : ['node:crypto'];

/** PKCS#8 DER header of an X25519 private key (RFC 8410), followed by the 32 raw scalar bytes. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A secret scalar's 32 raw bytes, fresh from the system's random source. */
export function newScalar(): Buffer {
  return randomBytes(POINT_BYTES);
}

function scalarKey(scalar: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, scalar]), format: 'der', type: 'pkcs8' });
}

/**
 * Thrown when a point multiplies to the all-zero output: the input was one of the small-order points
 * (or a non-canonical encoding of one), which would blind every id to the same value. Both backends
 * refuse to derive it; the caller maps this to the peer's bad input.
 */
export class SmallOrderPoint extends Error {
  override name = 'SmallOrderPoint';
}

/** One secret scalar ready for many points: writes X25519(scalar, u) into `out` at byte `at`. */
export type Multiplier = (u: Uint8Array, out: Uint8Array, at: number) => void;

export function multiplierFor(scalar: Uint8Array, backend: CurveBackend = curveBackend): Multiplier {
  if (scalar.length !== POINT_BYTES) throw new RangeError('an X25519 scalar is 32 bytes');
  if (backend === 'libsodium') {
    const lib = sodium;
    if (!lib) throw new Error('libsodium (sodium-native) is not installed');
    const n = Buffer.from(scalar);
    return (u, out, at) => {
      try {
        lib.crypto_scalarmult(out.subarray(at, at + POINT_BYTES), n, u);
      } catch {
        throw new SmallOrderPoint('the point has small order');
      }
    };
  }
  const key = scalarKey(scalar);
  return (u, out, at) => {
    // The point goes in as JWK: OpenSSL 3's DER decoder costs more than the multiplication itself
    // (about 8,000 imports a second against 84,000 as JWK, measured here).
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(u.buffer, u.byteOffset, u.length).toString('base64url') }, format: 'jwk' });
    try {
      out.set(diffieHellman({ privateKey: key, publicKey }), at);
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_OSSL_FAILED_DURING_DERIVATION') throw new SmallOrderPoint('the point has small order');
      throw e;
    }
  };
}

/** X25519(scalar, u) on its own: tests and one-off uses; loops take a `multiplierFor` once. */
export function multiply(scalar: Uint8Array, u: Uint8Array, backend: CurveBackend = curveBackend): Buffer {
  const out = Buffer.alloc(POINT_BYTES);
  multiplierFor(scalar, backend)(u, out, 0);
  return out;
}
