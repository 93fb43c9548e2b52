/**
 * One encrypted-label training's keys on the bank's side: made without a SEAL context (ring/lean-keys.ts,
 * about 0.2 s at n16384 where SEAL's context and keys took about 0.55 s) while a thread of its own
 * starts SEAL for decrypting the rounds (bank-decryptor.ts).
 */
import { LeanKeys } from './ring/lean-keys';
import { BankDecryptor } from './bank-decryptor';
import { ParamSetName, rotationSteps } from './params';

export class TrainingKeys {
  private constructor(
    /** Keys to send and the labels' encryption. */
    readonly crypto: LeanKeys,
    private readonly decryptor: BankDecryptor,
  ) {}

  /** A fresh key set (public, Galois for the enclave's rotations, relinearization), the decryption thread started first. */
  static async make(paramSet: ParamSetName): Promise<TrainingKeys> {
    const decryptor = BankDecryptor.start(paramSet);
    try {
      const crypto = LeanKeys.make(paramSet, rotationSteps(paramSet), { relinKeys: true, secretKeyTo: (bytes) => decryptor.useKey(bytes) });
      return new TrainingKeys(crypto, decryptor);
    } catch (e) {
      await decryptor.close();
      throw e;
    }
  }

  /** Settles once the decryption thread has loaded the secret key: a failure there is known before the labels go. */
  ready(): Promise<void> {
    return this.decryptor.ready;
  }

  /** A round's answer, decrypted and decoded in the decryption thread. */
  decrypt(cipher: Uint8Array): Promise<Float64Array> {
    return this.decryptor.decrypt(cipher);
  }

  async dispose(): Promise<void> {
    this.crypto.dispose();
    await this.decryptor.close();
  }
}
