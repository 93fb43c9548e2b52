/** A member's X25519 identity: the key pair whose public half the hub pins, and the pairwise shared secret (node:crypto, no dependency). */
import { KeyObject, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { JointlabError } from '../errors';

export interface Identity {
  /** Raw 32-byte public key, base64: what is pinned at the hub. */
  publicKey: string;
  privateKey: KeyObject;
}

export function generateIdentity(): Identity {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: rawPublic(publicKey) };
}

function rawPublic(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url').toString('base64');
}

/** The private key as PKCS#8 DER, for the enclave's secrets table. */
export function exportIdentity(identity: Identity): Buffer {
  return identity.privateKey.export({ format: 'der', type: 'pkcs8' });
}

export function importIdentity(der: Buffer): Identity {
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: rawPublic(createPublicKey(privateKey)) };
}

export function assertPublicKey(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== base64) throw new JointlabError('bad_public_key', 'an X25519 public key is 32 bytes in base64', 'usage');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** X25519 agreement: the same 32 bytes on both sides of a pair. */
export function sharedSecret(own: Identity, peerPublicKey: string): Buffer {
  return diffieHellman({ privateKey: own.privateKey, publicKey: assertPublicKey(peerPublicKey) });
}
