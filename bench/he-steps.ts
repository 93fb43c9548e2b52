/**
 * Where the time of the HE protocols goes, step by step, measured in this thread on SEAL itself
 * (n16384, the parameter set both protocols run on): the bank's keys and encryption, the enclave's
 * encoding, products, rotations, rescale, flood and save, and the bank's decryption, each as the
 * protocols use them, with the count each protocol needs per batch or per session.
 */
import { BankCrypto } from '../lab/he/bank-crypto';
import { ParamSetName, rotationSteps } from '../lab/he/params';
import { Scope, ckks, withScope } from '../lab/he/seal-runtime';
import { levelEncoder } from '../enclave/he/enclave-crypto';
import { addSampledFlood } from '../enclave/he/sampled-flood';

const ms = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;

/** Median milliseconds of `runs` calls after one warm-up call; a call that returns a time is timed from it (what it did before is set-up). */
function timed(runs: number, work: () => unknown): number {
  work();
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = process.hrtime.bigint();
    const from = work();
    times.push(ms(typeof from === 'bigint' ? from : t));
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

export async function benchSteps(terms = 30): Promise<void> {
  const paramSet: ParamSetName = 'n16384';
  const rt = await ckks(paramSet);
  let t = process.hrtime.bigint();
  const scoringKeys = await BankCrypto.create(paramSet, []);
  const scoringKeysMs = ms(t);
  t = process.hrtime.bigint();
  const trainingKeys = await BankCrypto.create(paramSet, rotationSteps(paramSet), { relinKeys: true });
  const trainingKeysMs = ms(t);
  try {
    await withScope((scope) => {
      const values = Float64Array.from({ length: rt.slots }, (_, i) => Math.sin(i));
      const coefficient = scoringKeys.encryptReplicated(0.25);
      const encryptMs = timed(5, () => scoringKeys.encryptReplicated(0.25));
      const top = scope.own(rt.seal.CipherText());
      const loadMs = timed(5, () => top.loadArray(rt.context, coefficient));
      const low = scope.own(rt.seal.CipherText());
      rt.evaluator.cipherModSwitchToNext(top, low);
      const lowId = scope.own(low.parmsId);
      // As scoring encodes: with an encoder whose top level is the product's (score-crypto.ts), and, for comparison, at the top and switched down.
      const atLevel = levelEncoder(rt, lowId)!;
      const encodeMs = timed(9, () => atLevel.encode(values, rt.scale)!.delete());
      const encodeTopMs = timed(9, () => {
        const p = rt.encoder.encode(values, rt.scale)!;
        rt.evaluator.plainModSwitchTo(p, lowId, p);
        p.delete();
      });
      const plain = scope.own(atLevel.encode(values, rt.scale));
      const product = scope.own(rt.seal.CipherText());
      const multiplyMs = timed(15, () => rt.evaluator.multiplyPlain(low, plain, product));
      const sum = scope.own(rt.seal.CipherText());
      sum.copy(product);
      const addMs = timed(15, () => rt.evaluator.add(sum, product, sum));
      const rescaled = scope.own(rt.seal.CipherText());
      const rescaleMs = timed(5, () => {
        rescaled.copy(product);
        rt.evaluator.rescaleToNext(rescaled, rescaled);
      });
      const pk = scope.own(rt.seal.PublicKey());
      pk.loadArray(rt.context, scoringKeys.publicKeyBytes);
      const encryptor = scope.own(rt.seal.Encryptor(rt.context, pk));
      // As scoring floods: one fresh encryption of zero made at the answer's level (ahead, while the worker is idle), then the sampled polynomial.
      const zeroPlain = scope.own(rt.encoder.encode(new Float64Array(rt.slots), 1));
      rt.evaluator.plainModSwitchTo(zeroPlain, scope.own(rescaled.parmsId), zeroPlain);
      const zeroMs = timed(5, () => encryptor.encrypt(zeroPlain)!.delete());
      const flooded = scope.own(rt.seal.CipherText());
      const sampleMs = timed(5, () => {
        flooded.copy(rescaled);
        const zero = encryptor.encrypt(zeroPlain)!;
        const t = process.hrtime.bigint();
        const local = new Scope();
        try {
          addSampledFlood(rt, local, flooded, local.own(zero), 2 ** 17);
        } finally {
          local.dispose();
        }
        return t;
      });
      const saveMs = timed(5, () => rescaled.saveArray(rt.seal.ComprModeType.none));
      const answer = rescaled.saveArray(rt.seal.ComprModeType.none);
      const decryptMs = timed(5, () => scoringKeys.decrypt(answer));
      const perBatch = terms * (encodeMs + multiplyMs + addMs) + rescaleMs + zeroMs + sampleMs + saveMs;
      console.log(`\nper step, n16384, in one thread (median ms), private scoring of ${terms} terms:`);
      console.log(`  bank, once per session: keys ${scoringKeysMs.toFixed(0)}, encrypt a coefficient ${encryptMs.toFixed(1)} (x ${terms + 1}); enclave, once per worker: load a coefficient ${loadMs.toFixed(1)} (x ${terms + 1})`);
      console.log(`  enclave, per batch of ${rt.slots.toLocaleString('en')}: encode ${encodeMs.toFixed(2)} (${encodeTopMs.toFixed(2)} at the top and switched down), multiply ${multiplyMs.toFixed(2)}, add ${addMs.toFixed(2)} (each x ${terms}), rescale ${rescaleMs.toFixed(2)}, flood: an encryption of zero ${zeroMs.toFixed(2)} and the sampled polynomial ${sampleMs.toFixed(2)}, save ${saveMs.toFixed(2)}: ${perBatch.toFixed(0)} ms, ${Math.round((rt.slots * 1000) / perBatch).toLocaleString('en')} scores/s a core`);
      console.log(`  bank, per batch: decrypt and decode ${decryptMs.toFixed(2)} (${Math.round((rt.slots * 1000) / decryptMs).toLocaleString('en')} scores/s)`);

      const gk = scope.own(rt.seal.GaloisKeys());
      gk.loadArray(rt.context, trainingKeys.galoisKeyBytes);
      const rotated = scope.own(rt.seal.CipherText());
      // Enc(X^T y) rotates at the top level, before its rescales (enclave/he/training-crypto.ts groupTotals).
      const rotateMs = timed(5, () => rt.evaluator.rotateVector(top, 1, gk, rotated));
      const conjugateMs = timed(3, () => rt.evaluator.complexConjugate(top, gk, rotated));
      const label = trainingKeys.encrypt(values.map((v) => (v > 0 ? 1 : 0)));
      const labelEncryptMs = timed(3, () => trainingKeys.encrypt(values.map((v) => (v > 0 ? 1 : 0))));
      const bytes = trainingKeys.publicKeyBytes.length + trainingKeys.galoisKeyBytes.length + trainingKeys.relinKeyBytes.length;
      console.log(`  encrypted-label training: bank keys ${trainingKeysMs.toFixed(0)} (public ${(trainingKeys.publicKeyBytes.length / 1e6).toFixed(2)} MB, Galois ${(trainingKeys.galoisKeyBytes.length / 1e6).toFixed(2)} MB for ${rotationSteps(paramSet).length} steps, relinearization ${(trainingKeys.relinKeyBytes.length / 1e6).toFixed(2)} MB: ${(bytes / 1e6).toFixed(1)} MB), encrypt a label block ${labelEncryptMs.toFixed(1)} (${(label.length / 1e6).toFixed(2)} MB); enclave: rotate ${rotateMs.toFixed(1)} (top level), conjugate ${conjugateMs.toFixed(1)} (top level)`);
    });
  } finally {
    scoringKeys.dispose();
    trainingKeys.dispose();
  }
}
