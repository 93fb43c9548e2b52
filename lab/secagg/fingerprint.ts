/** A short, readable fingerprint of an X25519 identity key, for stewards to compare keys by phone or letter. */
import { createHash } from 'node:crypto';

export function keyFingerprint(publicKey: string): string {
  const hex = createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex').slice(0, 32);
  return hex.match(/.{4}/g)!.join(':');
}
