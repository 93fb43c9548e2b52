import { strict as assert } from 'node:assert';
import { DEFAULT_FLOOD } from '../../../enclave/he/enclave-crypto';
import { CIPHER_DATA_AT, cipherBytes } from '../../../lab/he/seal-objects';
import { holdSealPool, scoreBatch, scoreModel } from '../../../enclave/he/seal-pool';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { Scope } from '../../../lab/he/seal-runtime';

/**
 * Red-team (review5): coefficient ciphertexts a bank crafts so that SEAL itself refuses to go on in
 * the scoring path (score-crypto.ts loadModel / scoreBatch): a second polynomial that is non-zero
 * only modulo the prime dropped before the product (transparent after the drop), or so small that
 * the product's rescale rounds it to zero (transparent after the rescale). SEAL throws a plain Error;
 * the worker turns that into `he_failed`, category `server` (a 5xx) and is replaced. A control
 * holds when the request gets a 4xx with a stable code (bad_ciphertext), as the byte checks give
 * for an all-zero second polynomial.
 */
describe('red team: crafted coefficient ciphertexts that SEAL refuses mid-scoring (score-crypto.ts)', function () {
  this.timeout(300_000);
  const paramSet = 'n16384' as const;
  let bank: BankCrypto;
  let release: () => Promise<void>;
  let moduli: bigint[];
  let top: BigUint64Array;
  const scope = new Scope();
  const basis = [Float64Array.from({ length: 100 }, (_, i) => ((i % 7) - 3) / 10)];

  before(async () => {
    release = holdSealPool({ workers: 1 });
    bank = await BankCrypto.create(paramSet, []);
    const rt = bank.runtime;
    const first = scope.own(rt.context.firstParmsId);
    top = first.values;
    moduli = Array.from(scope.own(scope.own(rt.context.getContextData(first)).parms).coeffModulus);
  });
  after(async () => {
    scope.dispose();
    bank.dispose();
    await release();
  });

  /** A top-level ciphertext, first polynomial zero, second the constant `k[j]` modulo prime j in every NTT slot. */
  function crafted(k: bigint[]): Uint8Array {
    const n = bank.runtime.slots * 2;
    const bytes = cipherBytes(n, moduli.length, top, bank.runtime.scale, true);
    const view = new DataView(bytes.buffer);
    moduli.forEach((_, j) => {
      for (let c = 0; c < n; c++) view.setBigUint64(CIPHER_DATA_AT + 8 * (n * moduli.length + j * n + c), k[j], true);
    });
    return bytes;
  }

  async function outcome(coefficients: Uint8Array[]): Promise<{ code: string; category: string; message: string }> {
    try {
      await scoreBatch(await scoreModel(paramSet, bank.publicKeyBytes, coefficients), basis, DEFAULT_FLOOD);
      return { code: 'ok', category: 'ok', message: '' };
    } catch (e) {
      const j = e as { code?: string; category?: string; message: string };
      return { code: j.code ?? '?', category: j.category ?? '?', message: j.message };
    }
  }

  it('a second polynomial non-zero only modulo the dropped prime gets a 4xx, not a server error', async () => {
    const c = crafted([0n, 0n, 1n]);
    const r = await outcome([c, c]);
    console.log(`      only the dropped prime: ${r.code} (${r.category}) ${r.message}`);
    assert.notEqual(r.category, 'server', `a bank's ciphertext made a server error: ${r.code} ${r.message}`);
  });

  it('a second polynomial the rescale rounds to zero gets an answer or a 4xx, not a server error', async () => {
    const c = crafted([1n, 1n, 1n]);
    const r = await outcome([c, c]);
    console.log(`      rounds to zero: ${r.code} (${r.category}) ${r.message}`);
    assert.notEqual(r.category, 'server', `a bank's ciphertext made a server error: ${r.code} ${r.message}`);
  });

  it('an honest model still scores after those (the replaced worker serves the next request)', async () => {
    const r = await outcome([bank.encryptReplicated(0.5), bank.encryptReplicated(-1)]);
    assert.equal(r.code, 'ok', r.message);
  });
});
