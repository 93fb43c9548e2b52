/**
 * Enc(X^T y) folded in shares of the label blocks by two workers and summed (seal-pool.ts
 * encryptedXtyShared) is the Enc(X^T y) one worker computes: the same totals in the same slots of
 * the same copies, the label check's class near zero for 0/1 labels, and far from it for a label of 2.
 * A round computed in two shares of its products (seal-pool.ts newtonRound) answers what one worker's does.
 */
import { strict as assert } from 'node:assert';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { CLASSES, rotationSteps, slotsOf } from '../../../lab/he/params';
import { encryptedXty, newtonRound, newtonRoundPart, xtyFolds, xtyFromFolds } from '../../../enclave/he/training-crypto';
import { DEFAULT_FLOOD } from '../../../enclave/he/enclave-crypto';

describe('Enc(X^T y) in shares of the label blocks', function () {
  this.timeout(300_000);
  let crypto: BankCrypto;
  const slots = slotsOf('n8192');
  const rows = Math.floor(2.5 * slots);
  const columns = Array.from({ length: 4 }, (_, j) => Float64Array.from({ length: rows }, (_, i) => (j === 3 ? 1 : Math.sin(0.37 * i * (j + 1)))));

  before(async () => {
    crypto = await BankCrypto.create('n8192', rotationSteps('n8192'), { relinKeys: true });
  });
  after(() => crypto.dispose());

  const blocksOf = (labels: number[]) => Array.from({ length: Math.ceil(rows / slots) }, (_, b) => crypto.encrypt(labels.slice(b * slots, (b + 1) * slots)));
  const input = (labels: Uint8Array[]) => ({ paramSet: 'n8192' as const, publicKey: crypto.publicKeyBytes, galoisKeys: crypto.galoisKeyBytes, labels, columns, relinKeys: crypto.relinKeyBytes });
  /** Blocks [0, 2) and [2, 3), each share with its own rows; the Galois keys kept loaded from the folds to the sum, as the pool asks. */
  const inShares = async (labels: Uint8Array[]) => {
    const keysKey = `shares-${labels.length}-${Math.random()}`;
    const shares = await Promise.all(
      [[0, 2], [2, 3]].map(([from, to]) => xtyFolds({ ...input(labels.slice(from, to)), keysKey, columns: columns.map((c) => c.slice(from * slots, Math.min(to * slots, rows))) })),
    );
    return xtyFromFolds({ paramSet: 'n8192', galoisKeys: crypto.galoisKeyBytes, keysKey, shares });
  };
  /** Slot k of copy d holds the total of class (k + d) mod CLASSES. */
  const totals = (xty: Uint8Array[]) => xty.map((c) => Array.from(crypto.decrypt(c).subarray(0, CLASSES)));

  it('holds the totals one worker computes, in the same slots of the same copies', async () => {
    const labels = Array.from({ length: rows }, (_, i) => (Math.cos(1.3 * i) > 0.2 ? 1 : 0));
    const blocks = blocksOf(labels);
    const one = totals(await encryptedXty(input(blocks)));
    const shared = totals(await inShares(blocks));
    assert.equal(shared.length, one.length);
    const expected = columns.map((c) => c.reduce((a, v, i) => a + v * labels[i], 0));
    shared.forEach((copy, d) =>
      copy.forEach((v, k) => {
        const c = (k + d) % CLASSES;
        // The check's class (the last) holds CKKS noise times secret factors drawn per computation: about 7 at n8192 (enclave/release/he-rounds.ts).
        if (c === CLASSES - 1) return assert.ok(Math.abs(v) < 100, `copy ${d} slot ${k}: check class ${v}`);
        // The columns' classes hold X^T y; the others nothing.
        const want = c < columns.length ? expected[c] : 0;
        assert.ok(Math.abs(v - want) < 1e-3 && Math.abs(v - one[d][k]) < 2e-3, `copy ${d} slot ${k}: ${v} against ${want} (one worker: ${one[d][k]})`);
      }),
    );
  });

  it('carries the label check of every share: a label of 2 in the second share moves the check class', async () => {
    const labels = Array.from({ length: rows }, (_, i): number => (Math.cos(1.3 * i) > 0.2 ? 1 : 0));
    labels[2 * slots + 5] = 2;
    const check = totals(await inShares(blocksOf(labels)))[0][CLASSES - 1];
    assert.ok(Math.abs(check) > 1e3, `check class ${check}`);
  });

  it('answers a round from two shares of its products as from all of them, within the flood', async () => {
    const labels = Array.from({ length: rows }, (_, i) => (Math.cos(0.7 * i) > 0 ? 1 : 0));
    const xty = await encryptedXty(input(blocksOf(labels)));
    const D = columns.length;
    const matrix = Float64Array.from({ length: D * D }, (_, i) => (i % (D + 1) === 0 ? 1e-3 : 1e-4 * ((i % 7) - 3)));
    const offset = Float64Array.from({ length: D }, (_, k) => 0.1 * k);
    // No label check: its class would add CKKS noise times secret factors to every answer (tested above).
    const round = { paramSet: 'n8192' as const, publicKey: crypto.publicKeyBytes, xty, matrix, offset, noise: { freshL2: 100, rows, inputL1: rows * D }, policy: { ...DEFAULT_FLOOD, precision: 1e-1 } }; // n8192 floods only at a coarse precision
    const half = Math.ceil(xty.length / 2);
    const parts = await Promise.all([newtonRoundPart({ ...round, from: 0, to: half }), newtonRoundPart({ ...round, from: half, to: xty.length })]);
    const shared = await newtonRound({ ...round, parts });
    const whole = await newtonRound(round);
    const xtyPlain = columns.map((c) => c.reduce((a, v, i) => a + v * labels[i], 0));
    const want = Array.from({ length: D }, (_, k) => offset[k] + xtyPlain.reduce((a, v, j) => a + matrix[k * D + j] * v, 0));
    for (const [name, answer] of [['two shares', shared], ['one worker', whole]] as const) {
      const got = crypto.decrypt(answer.cipher);
      want.forEach((w, k) => assert.ok(Math.abs(got[k] - w) < 6 * answer.flood.valueStd + 1e-3, `${name}, weight ${k}: ${got[k]} against ${w} (flood sd ${answer.flood.valueStd})`));
    }
    // Without the other half, the answer is off: each share carries its own part of the product.
    const aloneAnswer = await newtonRound({ ...round, parts: [parts[1]] }); // without the main diagonal's copy
    const alone = crypto.decrypt(aloneAnswer.cipher);
    assert.ok(want.some((w, k) => Math.abs(alone[k] - w) > 20 * aloneAnswer.flood.valueStd), `one share alone gave the whole answer: ${Array.from(alone.subarray(0, D))} against ${want}`);
  });
});
