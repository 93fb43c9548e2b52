/**
 * A bank's training keys made in a fresh process, two ways: `node dist/bench/bank-keys.js lean` with
 * the ring of lab/he/ring (what `jointlab he train` does), `... seal` as it did before, through SEAL
 * (its start, a context of the key and top data levels, KeyGenerator). Prints the seconds from the
 * process's first line to the keys' bytes, as one JSON line; bench/he-training.ts runs both in turn.
 */
import { performance } from 'node:perf_hooks';
import { LeanKeys } from '../lab/he/ring/lean-keys';
import { PARAM_SETS, rotationSteps } from '../lab/he/params';
import { loadSeal } from '../lab/he/seal-runtime';

async function sealKeys(): Promise<number> {
  const seal = await loadSeal();
  const set = PARAM_SETS.n16384;
  const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.setPolyModulusDegree(set.polyModulusDegree);
  parms.setCoeffModulus(seal.CoeffModulus.Create(set.polyModulusDegree, Int32Array.from(set.coeffBits)));
  // The key level and the top data level only: what the bank's keys needed (SEAL builds NTT tables per prime per level).
  const context = seal.Context(parms, false, seal.SecurityLevel.tc128);
  const keygen = seal.KeyGenerator(context);
  keygen.secretKey().saveArray(seal.ComprModeType.none);
  const bytes = [keygen.createPublicKeySerializable(), keygen.createGaloisKeysSerializable(Int32Array.from(rotationSteps('n16384'))), keygen.createRelinKeysSerializable()].map((k) => k.saveArray(seal.ComprModeType.none));
  return bytes.reduce((n, b) => n + b.length, 0);
}

function leanKeys(): number {
  const keys = LeanKeys.make('n16384', rotationSteps('n16384'), { relinKeys: true, secretKeyTo: () => undefined });
  const bytes = keys.publicKeyBytes.length + keys.galoisKeyBytes.length + keys.relinKeyBytes.length;
  keys.dispose();
  return bytes;
}

async function main(): Promise<void> {
  const way = process.argv[2];
  if (way !== 'lean' && way !== 'seal') throw new Error('usage: bank-keys.js lean|seal');
  const start = performance.now();
  const bytes = way === 'lean' ? leanKeys() : await sealKeys();
  console.log(JSON.stringify({ way, seconds: (performance.now() - start) / 1000, bytes }));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
