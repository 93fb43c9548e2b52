/**
 * Re-randomization of a bank's ciphertexts before the enclave key-switches them: each gets a fresh
 * encryption of zero under the bank's public key, so the masks (second polynomials) the bank's Galois
 * and relinearization keys meet are unknown to the bank.
 *
 * Why: the enclave cannot check that a key-switching key encrypts what it claims (SEAL checks only its
 * layout), and a key switch adds sum_j d_j W_j / P to the decryption, d_j the digits of the mask it
 * switches and W_j = k0_j + k1_j s what the bank put in the key. Without this step every mask up to the
 * first plaintext product came from the bank's own bytes (its label ciphertext and keys; SEAL is
 * deterministic), so the bank could replay them and choose W to cancel or inject what it liked: a
 * crafted relinearization key zeroed the label check (test/enclave/he/crafted-relin-key.test.ts).
 * With a mask the bank cannot predict, any W but the honest one adds noise it can neither foresee nor
 * cancel, and that noise depends on the enclave's randomness, not on platform rows. It rests on the
 * public key's second polynomial being expanded from a seed (seal-bytes.ts assertPublicKey): the zero's
 * mask u a + e is then a ring-LWE sample under the enclave's fresh u. Cost: about 25 ms a label block
 * at n16384, 3% of Enc(X^T y) on 21,000 rows.
 */
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { PublicKey } from 'node-seal/implementation/public-key';
import { ParamSetName } from '../../lab/he/params';
import { CkksRuntime, Scope, ckks, withScope } from '../../lab/he/seal-runtime';
import { loadKeys, sealBlobLooksWhole } from './enclave-crypto';

/**
 * Adds a fresh encryption of zero, at its level and scale, to each of `ciphers` (in place); returns
 * them. `ahead[i]`, when given, is cipher i's zero made ahead under the same key by a SEAL worker
 * while the bank prepared its labels (training-session.ts): never seen by the bank, used once; one
 * that does not load as a whole ciphertext is replaced by a zero made here.
 */
export function rerandomized(rt: CkksRuntime, scope: Scope, ciphers: CipherText[], pk: PublicKey, ahead: Uint8Array[] = []): CipherText[] {
  const encryptor = scope.own(rt.seal.Encryptor(rt.context, pk));
  ciphers.forEach((ct, i) => {
    const zero = zeroFromBytes(rt, scope, ahead[i], ct) ?? (encryptor.encryptZero() as CipherText);
    try {
      // Made at the top level; a ciphertext below it gets the zero dropped to its level (exact: value and noise stay).
      rt.evaluator.cipherModSwitchTo(zero, scope.own(ct.parmsId), zero);
      // An encryption of zero carries scale 1; the sum takes the ciphertext's (zero times any scale is zero).
      zero.setScale(ct.scale);
      rt.evaluator.add(ct, zero, ct);
    } finally {
      zero.delete();
    }
  });
  return ciphers;
}

/**
 * An encryption of zero made ahead, loaded from `bytes` (owned by `scope`): undefined when they are not
 * a whole two-polynomial ciphertext at `like`'s level, and the caller then makes its own.
 */
export function zeroFromBytes(rt: CkksRuntime, scope: Scope, bytes: Uint8Array | undefined, like: CipherText): CipherText | undefined {
  if (!bytes || !sealBlobLooksWhole(bytes)) return undefined;
  const zero = scope.own(rt.seal.CipherText());
  try {
    zero.loadArray(rt.context, bytes);
  } catch {
    return undefined;
  }
  const level = scope.own(like.parmsId).values;
  return zero.size === 2 && scope.own(zero.parmsId).values.every((v, i) => v === level[i]) ? zero : undefined;
}

/**
 * `count` fresh public-key encryptions of zero under `publicKey`, serialized: at the top level for a
 * session's label blocks (made ahead, see above), or dropped to the last level for a training round's
 * flood (training-crypto.ts floodZeros; dropping primes leaves value and noise as they are).
 */
export async function freshZeros(input: { paramSet: ParamSetName; publicKey: Uint8Array; count: number; last?: boolean }): Promise<Uint8Array[]> {
  const rt = await ckks(input.paramSet);
  return withScope((scope) => {
    const { pk } = loadKeys(rt, scope, input.publicKey, new Uint8Array(0));
    const encryptor = scope.own(rt.seal.Encryptor(rt.context, pk));
    return Array.from({ length: input.count }, () => {
      const zero = scope.own(encryptor.encryptZero());
      if (input.last) rt.evaluator.cipherModSwitchTo(zero, scope.own(rt.context.lastParmsId), zero);
      return zero.saveArray(rt.seal.ComprModeType.none);
    });
  });
}
