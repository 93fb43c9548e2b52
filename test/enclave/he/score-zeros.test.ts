import { strict as assert } from 'node:assert';
import { DEFAULT_FLOOD, floodLadder, floodLadderRatio, freshNoiseStd } from '../../../enclave/he/enclave-crypto';
import { encryptedScoreBatches, zerosAhead } from '../../../enclave/he/score-crypto';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { withScope } from '../../../lab/he/seal-runtime';
import { Random } from '../../../models/random';

/**
 * Private scoring's flood with encryptions of zero made ahead (enclave/he/score-crypto.ts): a worker
 * makes them in idle time at the answer's level, each answer takes its own, and the flood a bank
 * decrypts is the one the enclave reports, whether its zeros were made ahead or on the spot.
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

  /**
   * The flood's standard deviation in an answer's value domain: the ladder's steps sum
   * sqrt(sum m_j^2) fresh zeros' noise (the step below the top can be most of the top), over the answer's scale.
   */
  const ladderStd = (cipher: Uint8Array, valueStd: number): Promise<number> =>
    withScope((scope) => {
      const rt = bank.runtime;
      const answer = scope.own(rt.seal.CipherText());
      answer.loadArray(rt.context, cipher);
      const fresh = freshNoiseStd(rt, scope);
      const factor = Math.max(1, Math.round((valueStd * answer.scale) / fresh));
      const steps = floodLadder(factor, floodLadderRatio(rt, scope));
      return (Math.sqrt(steps.reduce((s, m) => s + m * m, 0)) * fresh) / answer.scale;
    });

  /** Root mean square of `a - b` over the slots. */
  const rms = (a: Float64Array, b: Float64Array): number => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);

  async function untilFilled(): Promise<number> {
    // The worker (here: this thread) makes one zero per turn of the event loop.
    for (let turn = 0; turn < 10_000; turn++) {
      await new Promise((r) => setImmediate(r));
      const before = zerosAhead();
      await new Promise((r) => setImmediate(r));
      if (before > 0 && zerosAhead() === before) return before;
    }
    throw new Error('the zeros were never made');
  }

  it('floods with the reported noise, from zeros made ahead and from zeros made on the spot alike', async () => {
    // The first call loads the model: its zeros are made on the spot.
    const first = await encryptedScoreBatches(input);
    const full = await untilFilled();
    assert.ok(full >= 13, `at least one answer's ladder made ahead (${full})`);
    const second = await encryptedScoreBatches(input);
    const used = full - zerosAhead();
    assert.ok(used >= 6 && used <= 13, `one answer takes one ladder of zeros made ahead (${used})`);
    for (const [which, answer] of [['on the spot', first], ['made ahead', second]] as const) {
      const noise = rms(bank.decrypt(answer.ciphers[0]), exact) / (await ladderStd(answer.ciphers[0], answer.flood.valueStd));
      // Computation noise is 2^-12 of the flood or less; 8,192 slots estimate a standard deviation to about 1%.
      assert.ok(noise > 0.95 && noise < 1.05, `zeros ${which}: noise ${noise.toFixed(3)} of the ladder's`);
    }
  });

  it('never floods two answers with the same zero', async () => {
    await untilFilled();
    const a = await encryptedScoreBatches(input);
    const b = await encryptedScoreBatches(input);
    assert.notDeepEqual(Buffer.from(a.ciphers[0]), Buffer.from(b.ciphers[0]));
    // Independent floods: the two answers differ by sqrt(2) floods. A shared top step would cancel in the difference.
    const apart = rms(bank.decrypt(a.ciphers[0]), bank.decrypt(b.ciphers[0])) / (Math.SQRT2 * (await ladderStd(a.ciphers[0], a.flood.valueStd)));
    assert.ok(apart > 0.95 && apart < 1.05, `two answers differ by ${apart.toFixed(3)} of two independent floods`);
  });

  it('keeps a bounded number ahead', async () => {
    const full = await untilFilled();
    assert.ok(full <= 32, `${full} zeros kept for one model`);
  });
});
