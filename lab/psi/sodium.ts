/**
 * libsodium through the optional `sodium-native` package (prebuilt binaries in its npm package), when
 * it loads; PSI falls back to `node:crypto`, which computes the same bytes, when it does not or when
 * JOINTLAB_PSI_CURVE=node:crypto asks for OpenSSL (to compare them, or where the binary misbehaves).
 */

/** The two functions of `sodium-native` PSI uses; crypto_scalarmult throws when the output is all zero. */
export interface Sodium {
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
}

function loadSodium(): Sodium | undefined {
  const wanted = process.env.JOINTLAB_PSI_CURVE;
  if (wanted === 'node:crypto') return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('sodium-native') as Sodium;
  } catch (e) {
    if (wanted === 'libsodium') throw new Error(`JOINTLAB_PSI_CURVE=libsodium, but sodium-native does not load: ${(e as Error).message}`);
    return undefined;
  }
}

export const sodium = loadSodium();
