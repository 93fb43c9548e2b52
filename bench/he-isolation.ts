/**
 * What the SEAL pool costs, measured in one run: the enclave's HE computations called in the calling
 * thread (`enclave-crypto.ts`, the reference) against the same calls through the pool of workers
 * (`seal-pool.ts`: byte checks, a copy to a worker and back), for private scoring and for
 * encrypted-label training's Enc(X^T y) plus Newton rounds on 30,000 x 10.
 */
import * as enclaveCrypto from '../enclave/he/enclave-crypto';
import * as training from '../enclave/he/training-crypto';
import * as scoring from '../enclave/he/score-crypto';
import * as pooled from '../enclave/he/seal-pool';
import { BankCrypto } from '../lab/he/bank-crypto';
import { ParamSetName, rotationSteps } from '../lab/he/params';
import { ckks, withScope } from '../lab/he/seal-runtime';
import { Random } from '../models/random';

/** The reference: the same functions the workers run, called in this thread. */
const inThread = { encryptedXty: training.encryptedXty, newtonRound: training.newtonRound, encryptedScores: scoring.encryptedScores };
type Crypto = Pick<typeof inThread, 'encryptedScores' | 'encryptedXty' | 'newtonRound'>;

const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;

/** `repeats` scoring requests of one full ciphertext (`slots` enterprises, 30 terms); `lanes` of them at once. */
async function scoringRate(crypto: Crypto, input: scoring.ScoreInput, slots: number, repeats: number, lanes: number): Promise<number> {
  // Warm-up: every lane's worker has SEAL loaded and the context built before the clock starts.
  await Promise.all(Array.from({ length: lanes }, () => crypto.encryptedScores(input)));
  const started = process.hrtime.bigint();
  let left = repeats;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (left-- > 0) await crypto.encryptedScores(input);
    }),
  );
  return (slots * repeats) / since(started);
}

/** Enc(X^T y) then `rounds` Newton rounds, as the training session calls them. */
async function trainingSeconds(crypto: Crypto, xtyInput: training.XtyInput, rounds: number): Promise<number> {
  const started = process.hrtime.bigint();
  const xty = await crypto.encryptedXty(xtyInput);
  const d = xtyInput.columns.length;
  const rows = xtyInput.columns[0].length;
  // A Newton step shaped like a real one: H^-1 is about 4/n times the identity for standardized columns.
  const matrix = new Float64Array(d * d);
  for (let k = 0; k < d; k++) matrix[k * d + k] = 4 / rows;
  const inputL1 = xtyInput.columns.reduce((t, c) => t + c.reduce((a, v) => a + Math.abs(v), 0), 0);
  for (let r = 0; r < rounds; r++) {
    await crypto.newtonRound({
      paramSet: xtyInput.paramSet,
      publicKey: xtyInput.publicKey,
      xty,
      matrix,
      offset: new Float64Array(d),
      noise: { freshL2: Math.sqrt(d * Math.ceil(rows / 8192)) * 4, rows, inputL1 },
      policy: enclaveCrypto.DEFAULT_FLOOD,
    });
  }
  return since(started);
}

/** Bytes of the bank's keys and one ciphertext, uncompressed (what the enclave accepts) and zstd (what it refuses). */
async function uploadSizes(paramSet: ParamSetName): Promise<{ none: number[]; zstd: number[] }> {
  const rt = await ckks(paramSet);
  return withScope((scope) => {
    const keygen = scope.own(rt.seal.KeyGenerator(rt.context));
    const encryptor = scope.own(rt.seal.Encryptor(rt.context, scope.own(keygen.createPublicKey()), scope.own(keygen.secretKey())));
    const plain = scope.own(rt.encoder.encode(new Float64Array(rt.slots).fill(0.5), rt.scale));
    const objects = [scope.own(keygen.createPublicKeySerializable()), scope.own(keygen.createGaloisKeysSerializable(Int32Array.from(rotationSteps(paramSet)))), scope.own(encryptor.encryptSymmetricSerializable(plain))];
    return { none: objects.map((o) => o.saveArray(rt.seal.ComprModeType.none).length), zstd: objects.map((o) => o.saveArray(rt.seal.ComprModeType.zstd).length) };
  });
}

export async function benchIsolation(): Promise<void> {
  const paramSet: ParamSetName = 'n16384';
  const release = pooled.holdSealPool();
  const bank = await BankCrypto.create(paramSet, rotationSteps(paramSet));
  try {
    const slots = bank.runtime.slots;
    const random = new Random(11);
    console.log(`\nSEAL isolation (${paramSet}; pool of ${pooled.DEFAULT_SEAL_POOL.workers} workers against the same calls in the calling thread):`);

    const terms = 30;
    const scoreInput: scoring.ScoreInput = {
      paramSet,
      publicKey: bank.publicKeyBytes,
      coefficients: Array.from({ length: terms + 1 }, () => bank.encryptReplicated(random.normal() * 0.3)),
      basis: Array.from({ length: terms }, () => Float64Array.from({ length: slots }, () => random.normal())),
      policy: enclaveCrypto.DEFAULT_FLOOD,
    };
    const repeats = 12;
    let reference = 0;
    let oneLane = 0;
    let twoLanes = 0;
    for (let k = 0; k < 2; k++) {
      reference = Math.max(reference, await scoringRate(inThread, scoreInput, slots, repeats, 1));
      oneLane = Math.max(oneLane, await scoringRate(pooled, scoreInput, slots, repeats, 1));
      twoLanes = Math.max(twoLanes, await scoringRate(pooled, scoreInput, slots, repeats, pooled.DEFAULT_SEAL_POOL.workers));
    }
    console.log(`  private scoring, ${terms} terms, ${slots.toLocaleString('en')} enterprises per request, ${repeats} requests, best of two runs each:`);
    console.log(`    in-thread ${reference.toFixed(0)} scores/s; pool, one request at a time ${oneLane.toFixed(0)} scores/s (ratio ${(oneLane / reference).toFixed(2)}); pool, ${pooled.DEFAULT_SEAL_POOL.workers} at once ${twoLanes.toFixed(0)} scores/s (ratio ${(twoLanes / reference).toFixed(2)})`);

    const rows = 30_000;
    const d = 11;
    const columns = Array.from({ length: d }, (_, j) => Float64Array.from({ length: rows }, () => (j === d - 1 ? 1 : random.normal())));
    const labels: Uint8Array[] = [];
    for (let start = 0; start < rows; start += slots) labels.push(bank.encrypt(Array.from({ length: Math.min(slots, rows - start) }, () => (random.uniform() < 0.22 ? 1 : 0))));
    const xtyInput: training.XtyInput = { paramSet, publicKey: bank.publicKeyBytes, galoisKeys: bank.galoisKeyBytes, labels, columns };
    const rounds = 8;
    await trainingSeconds(pooled, xtyInput, 1);
    // Alternated and the faster of two kept: the machine is shared, and a burst of load should not decide the ratio.
    let threadSeconds = Infinity;
    let poolSeconds = Infinity;
    for (let k = 0; k < 2; k++) {
      threadSeconds = Math.min(threadSeconds, await trainingSeconds(inThread, xtyInput, rounds));
      poolSeconds = Math.min(poolSeconds, await trainingSeconds(pooled, xtyInput, rounds));
    }
    console.log(`  encrypted-label training compute, ${rows.toLocaleString('en')} rows x ${d - 1} columns + intercept: Enc(X^T y) and ${rounds} rounds, faster of two runs each:`);
    console.log(`    in-thread ${threadSeconds.toFixed(2)} s; pool ${poolSeconds.toFixed(2)} s (ratio pool / in-thread ${(poolSeconds / threadSeconds).toFixed(2)})`);

    const sizes = await uploadSizes(paramSet);
    const names = ['public key', 'Galois keys', 'ciphertext'];
    console.log(`  uploads are uncompressed (SEAL's zstd decoder never runs on a bank's bytes): ${names.map((n, k) => `${n} ${(sizes.none[k] / 1e6).toFixed(2)} MB vs zstd ${(sizes.zstd[k] / 1e6).toFixed(2)} MB (${(sizes.none[k] / sizes.zstd[k]).toFixed(2)}x)`).join('; ')}`);
    console.log(`  workers replaced during the benchmark: ${pooled.sealPoolReplacements()}`);
  } finally {
    bank.dispose();
    await release();
  }
}
