/**
 * The bank's side of CKKS: key generation, encryption of labels and model coefficients under the
 * bank's own secret key, decryption of what the enclave returns. The secret key never leaves this
 * object; what goes out is bytes (public and Galois keys, ciphertexts).
 */
import type { SecretKey } from 'node-seal/implementation/secret-key';
import type { Encryptor } from 'node-seal/implementation/encryptor';
import type { Decryptor } from 'node-seal/implementation/decryptor';
import type { PublicKey } from 'node-seal/implementation/public-key';
import { ParamSetName } from './params';
import { CkksRuntime, Scope, ckks } from './seal-runtime';

export interface BankCryptoOptions {
  /** Relinearization keys too, for the enclave's label check. */
  relinKeys?: boolean;
}

export class BankCrypto {
  private readonly scope = new Scope();

  private constructor(
    readonly runtime: CkksRuntime,
    secretKey: SecretKey,
    publicKey: PublicKey,
    private readonly encryptor: Encryptor,
    private readonly decryptor: Decryptor,
    /**
     * Serialized (seeded, uncompressed) keys to hand to the enclave, which refuses compressed SEAL
     * objects: SEAL's decompressor aborts on damaged input, so it never runs on a bank's bytes.
     */
    readonly publicKeyBytes: Uint8Array,
    readonly galoisKeyBytes: Uint8Array,
    /** Relinearization keys, for the enclave's label check (training only; empty otherwise). */
    readonly relinKeyBytes: Uint8Array,
  ) {
    for (const o of [secretKey, publicKey, encryptor, decryptor]) this.scope.own(o);
  }

  /** A fresh key pair, plus Galois keys for exactly the rotation steps the enclave declared, and relinearization keys if asked. */
  static async create(paramSet: ParamSetName, rotationSteps: number[], options: BankCryptoOptions = {}): Promise<BankCrypto> {
    const rt = await ckks(paramSet);
    const scope = new Scope();
    // The key pair and its encryptor and decryptor go to the new object; freed here only if it is never made.
    const held = new Scope();
    try {
      const keygen = scope.own(rt.seal.KeyGenerator(rt.context));
      const secretKey = held.own(keygen.secretKey());
      const publicKey = held.own(keygen.createPublicKey());
      const publicSerial = scope.own(keygen.createPublicKeySerializable());
      // No steps, no Galois keys (SEAL would read an empty list as "every power of two").
      const galoisSerial = rotationSteps.length ? scope.own(keygen.createGaloisKeysSerializable(Int32Array.from(rotationSteps))) : undefined;
      const relinSerial = options.relinKeys ? scope.own(keygen.createRelinKeysSerializable()) : undefined;
      return new BankCrypto(
        rt,
        secretKey,
        publicKey,
        held.own(rt.seal.Encryptor(rt.context, publicKey, secretKey)),
        held.own(rt.seal.Decryptor(rt.context, secretKey)),
        publicSerial.saveArray(rt.seal.ComprModeType.none),
        galoisSerial ? galoisSerial.saveArray(rt.seal.ComprModeType.none) : new Uint8Array(0),
        relinSerial ? relinSerial.saveArray(rt.seal.ComprModeType.none) : new Uint8Array(0),
      );
    } catch (e) {
      held.dispose();
      throw e;
    } finally {
      scope.dispose();
    }
  }

  /** Encrypts up to `slots` values, one per slot (zeros after them), with the secret key: seeded ciphertexts are half the size. */
  encrypt(values: ArrayLike<number>): Uint8Array {
    const rt = this.runtime;
    if (values.length > rt.slots) throw new RangeError(`at most ${rt.slots} values fit one ciphertext`);
    const scope = new Scope();
    try {
      const padded = new Float64Array(rt.slots);
      padded.set(Array.from(values));
      const plain = scope.own(rt.encoder.encode(padded, rt.scale));
      const serial = scope.own(this.encryptor.encryptSymmetricSerializable(plain));
      return serial.saveArray(rt.seal.ComprModeType.none);
    } finally {
      scope.dispose();
    }
  }

  /** One value in every slot. */
  encryptReplicated(value: number): Uint8Array {
    return this.encrypt(new Float64Array(this.runtime.slots).fill(value));
  }

  /** Decrypts and decodes a ciphertext the enclave returned; throws if it does not load under this key's parameters (or below the top levels, for a `top` chain). */
  decrypt(bytes: Uint8Array): Float64Array {
    const rt = this.runtime;
    const scope = new Scope();
    try {
      const cipher = scope.own(rt.seal.CipherText());
      cipher.loadArray(rt.context, bytes);
      const plain = scope.own(this.decryptor.decrypt(cipher));
      return Float64Array.from(rt.encoder.decode(plain));
    } finally {
      scope.dispose();
    }
  }

  dispose(): void {
    this.scope.dispose();
  }
}
