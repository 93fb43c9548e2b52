import { strict as assert } from 'node:assert';
import { DEFAULT_FLOOD } from '../../../enclave/he/enclave-crypto';
import { IMAGINARY_FLOOD, encryptedScoreBatches, zerosAhead } from '../../../enclave/he/score-crypto';
import { minusHalfTurn } from '../../../enclave/he/column-pairs';
import { Scope } from '../../../lab/he/seal-runtime';
import { CIPHER_DATA_AT } from '../../../lab/he/seal-objects';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { Random } from '../../../models/random';

/**
 * Private scoring's flood (enclave/he/score-crypto.ts): a worker makes encryptions of zero in idle
 * time at the answer's level, each answer takes its own to re-randomize it, and the flood a bank
 * decrypts (sampled-flood.ts) is the one the enclave reports, whether its zero was made ahead or on the spot.
 */
describe('flood zeros made ahead for private scoring (enclave/he/score-crypto.ts)', () => {
  const paramSet = 'n16384' as const;
  let bank: BankCrypto;
  const random = new Random(3);
  const terms = 30;
  let coefficients: number[];
  let basis: Float64Array[];
  let exact: Float64Array;
  let input: Parameters<typeof encryptedScoreBatches>[0];

  before(async () => {
    bank = await BankCrypto.create(paramSet, []);
    const slots = bank.runtime.slots;
    coefficients = Array.from({ length: terms + 1 }, () => random.normal() * 0.3);
    basis = Array.from({ length: terms }, () => Float64Array.from({ length: slots }, () => random.normal()));
    exact = Float64Array.from({ length: slots }, (_, i) => basis.reduce((s, column, t) => s + coefficients[t] * column[i], coefficients[terms]));
    input = { paramSet, publicKey: bank.publicKeyBytes, coefficients: coefficients.map((c) => bank.encryptReplicated(c)), key: 'score-zeros-test', batches: [basis], policy: DEFAULT_FLOOD };
  });
  after(() => bank.dispose());

  /** Root mean square of `a - b` over the slots. */
  const rms = (a: Float64Array, b: Float64Array): number => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);

  async function untilFilled(): Promise<number> {
    // The worker (here: this thread) makes one zero per turn of the event loop.
    for (let turn = 0; turn < 10_000; turn++) {
      await new Promise((r) => setImmediate(r));
      const before = zerosAhead(paramSet, input.key!);
      await new Promise((r) => setImmediate(r));
      if (before > 0 && zerosAhead(paramSet, input.key!) === before) return before;
    }
    throw new Error('the zeros were never made');
  }

  it('floods with the reported noise, from zeros made ahead and from zeros made on the spot alike', async () => {
    // The first call loads the model: its zeros are made on the spot.
    const first = await encryptedScoreBatches(input);
    const full = await untilFilled();
    assert.ok(full >= 2, `zeros made ahead (${full})`);
    const second = await encryptedScoreBatches(input);
    assert.equal(full - zerosAhead(paramSet, input.key!), 1, 'one answer takes one zero made ahead');
    for (const [which, answer] of [['on the spot', first], ['made ahead', second]] as const) {
      const noise = rms(bank.decrypt(answer.ciphers[0]), exact) / answer.flood.valueStd;
      // Computation noise is 2^-12 of the flood or less; 8,192 slots estimate a standard deviation to about 1%.
      assert.ok(noise > 0.95 && noise < 1.05, `zero ${which}: noise ${noise.toFixed(3)} of the reported flood`);
    }
  });

  it('never floods two answers with the same zero', async () => {
    await untilFilled();
    const a = await encryptedScoreBatches(input);
    const b = await encryptedScoreBatches(input);
    assert.notDeepEqual(Buffer.from(a.ciphers[0]), Buffer.from(b.ciphers[0]));
    // Independent floods: the two answers differ by sqrt(2) floods.
    const apart = rms(bank.decrypt(a.ciphers[0]), bank.decrypt(b.ciphers[0])) / (Math.SQRT2 * a.flood.valueStd);
    // Nor with the same zero: the second polynomials, which only the zero re-randomizes, differ.
    const second = (c: Uint8Array) => Buffer.from(c).subarray(CIPHER_DATA_AT + 8 * bank.runtime.slots * 2);
    assert.ok(!second(a.ciphers[0]).equals(second(b.ciphers[0])), 'each answer has its own zero');
    assert.ok(apart > 0.95 && apart < 1.05, `two answers differ by ${apart.toFixed(3)} of two independent floods`);
  });

  it('clips each basis value to its public bound, and reports a flood the values of the batch do not change', async () => {
    // Every other column a 0/1 flag (bound 1); the others standardized, bound by the term count: 64 for 15 and 15 flags.
    const flags = Array.from({ length: terms }, (_, t) => t % 2 === 1);
    const wide = basis.map((column, t) => column.map((v, i) => (flags[t] ? v : i % 100 === 0 ? 500 * v : v)));
    const clipped = Float64Array.from({ length: bank.runtime.slots }, (_, i) =>
      wide.reduce((s, column, t) => s + coefficients[t] * Math.max(flags[t] ? -1 : -64, Math.min(flags[t] ? 1 : 64, column[i])), coefficients[terms]),
    );
    const a = await encryptedScoreBatches({ ...input, flags, batches: [wide] });
    const noise = rms(bank.decrypt(a.ciphers[0]), clipped) / a.flood.valueStd;
    assert.ok(noise > 0.95 && noise < 1.05, `scores of the clipped basis, flooded: ${noise.toFixed(3)} of the reported flood`);
    assert.ok(a.flood.bits >= DEFAULT_FLOOD.minBits + 0.5, `${a.flood.bits} bits`);
    // Other values, or all of them zero: the same report.
    const b = await encryptedScoreBatches({ ...input, flags, batches: [basis.map((c) => c.map((v) => 10 * v))] });
    const c = await encryptedScoreBatches({ ...input, flags, batches: [basis.map((c) => c.map(() => 0))] });
    assert.deepEqual(b.flood, a.flood);
    assert.deepEqual(c.flood, a.flood);
    await assert.rejects(encryptedScoreBatches({ ...input, flags: flags.slice(1) }), /column kinds/);
  });

  it("floods the imaginary parts, where a pair's product holds a second function of the basis, and leaves the scores' precision as it was", async () => {
    // An honest bank's attack (a review's): real coefficients for two terms a and b; the answer's
    // imaginary parts hold w_a b - w_b a, which with the score gives both columns. The bank reads them
    // by multiplying its answer by -X^(N/2) before decrypting.
    const rt = bank.runtime;
    const slots = rt.slots;
    const [wa, wb, w0] = [0.7, -1.3, 0.1];
    const a = Float64Array.from({ length: slots }, () => random.normal());
    const b = Float64Array.from({ length: slots }, () => random.normal());
    const answer = await encryptedScoreBatches({ paramSet, publicKey: bank.publicKeyBytes, coefficients: [wa, wb, w0].map((w) => bank.encryptReplicated(w)), batches: [[a, b]], policy: DEFAULT_FLOOD });
    const scores = bank.decrypt(answer.ciphers[0]);
    const exactScores = Float64Array.from(a, (v, i) => wa * v + wb * b[i] + w0);
    const noise = rms(scores, exactScores) / answer.flood.valueStd;
    assert.ok(noise > 0.95 && noise < 1.05, `scores: noise ${noise.toFixed(3)} of the reported flood`);
    const scope = new Scope();
    try {
      const cipher = scope.own(rt.seal.CipherText());
      cipher.loadArray(rt.context, answer.ciphers[0]);
      const turned = scope.own(rt.seal.CipherText());
      rt.evaluator.multiplyPlain(cipher, minusHalfTurn(rt, scope, scope.own(cipher.parmsId)), turned);
      const imaginary = bank.decrypt(turned.saveArray(rt.seal.ComprModeType.none));
      // |Im| against |w_a b - w_b a| (the sign of Im alternates with the slot's root): off by the imaginary flood.
      const cross = Float64Array.from(a, (v, i) => Math.abs(wa * b[i] - wb * v));
      const spread = rms(imaginary, new Float64Array(slots)) / IMAGINARY_FLOOD;
      console.log(`      imaginary parts: rms ${(spread * IMAGINARY_FLOOD).toFixed(0)} (${spread.toFixed(3)} of the imaginary flood) where w_a b - w_b a is ${rms(cross, new Float64Array(slots)).toFixed(2)} rms`);
      assert.ok(spread > 0.95 && spread < 1.05, `imaginary parts ${spread.toFixed(3)} of the imaginary flood`);
      // Solving for a with the score and either sign of Im recovers nothing: off by thousands of sd of a.
      const d = wa * wa + wb * wb;
      const recovered = Float64Array.from(a, (_, i) => (wa * (scores[i] - w0) - wb * Math.abs(imaginary[i])) / d);
      assert.ok(rms(recovered, a) > 1000, `column a recovered to ${rms(recovered, a)} rms`);
    } finally {
      scope.dispose();
    }
  });

  it('keeps a bounded number ahead', async () => {
    const full = await untilFilled();
    assert.ok(full <= 16, `${full} zeros kept for one model`);
  });
});
