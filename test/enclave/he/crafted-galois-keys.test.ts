/**
 * Red team (galois): Galois keys a bank crafts for the key switches inside Enc(X^T y). SEAL applies
 * the automorphism of the element it is asked for and then switches with whatever key sits at that
 * element's index, so a key can change only what the switch adds to the decryption: sum_j d_j W_j / P,
 * d_j the digits of the mask being switched, W_j = k0_j + k1_j s what the bank put in the key. A key
 * for another rotation than its index says (the bank's valid key for step 16 filed under step 1) adds
 * d (sigma_16(s) - sigma_1(s)); a key whose first polynomials are random adds d times random. Neither
 * is small, and the masks the key meets are unknown to the bank (enclave/he/rerandomize.ts re-randomizes
 * every label before the first key switch), so what a crafted key adds is uniform noise modulo q that
 * the bank can neither predict nor cancel: the sum within a class still sums (SEAL's automorphism is
 * fixed), and the answer's slots are garbage. Measured: a single positive y = e_i (binary, so the label
 * check stays quiet) differenced against y = 0 with honest keys, read through the true Hessian.
 * The byte checks are shown too: a key for a step the enclave did not declare, and keys whose second
 * polynomials are written out rather than seeded (so the bank could choose them), are a 400 bad_key.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { galoisIndex } from '../../../enclave/he/seal-bytes';
import { CIPHER_DATA_AT } from '../../../lab/he/seal-objects';
import { FRAME_TYPE, encodeFrames } from '../../../lab/he/frames';
import { CONJUGATION_STEP, PARAM_SETS, rotationSteps } from '../../../lab/he/params';
import { Arena, COLUMNS, HostileBank, PARAM_SET, galoisKeyRanges } from './hostile-keys';

const N = PARAM_SETS[PARAM_SET].polyModulusDegree;

/** The bank's Galois keys with the key at `step`'s index replaced by its valid key for `other`. */
function mislabelled(bank: HostileBank, step: number, other: number): Uint8Array {
  const bytes = Uint8Array.from(bank.galoisKeys);
  const ranges = galoisKeyRanges(bytes);
  const [to, toEnd] = ranges.get(galoisIndex(step, N))!;
  const [from, fromEnd] = ranges.get(galoisIndex(other, N))!;
  assert.equal(toEnd - to, fromEnd - from);
  bytes.set(bank.galoisKeys.subarray(from, fromEnd), to);
  return bytes;
}

/** The bank's Galois keys with the first polynomial of every part of `step`'s key random below its moduli (the seeds kept: SEAL loads it). */
function garbage(bank: HostileBank, step: number): Uint8Array {
  const bytes = Uint8Array.from(bank.galoisKeys);
  const view = new DataView(bytes.buffer);
  const scope = bank.scope;
  const moduli = Array.from(scope.own(scope.own(bank.rt.context.keyContextData).parms).coeffModulus);
  let [at, end] = galoisKeyRanges(bytes).get(galoisIndex(step, N))!;
  while (at < end) {
    const size = Number(view.getBigUint64(at + 8, true));
    const noise = randomBytes(8 * N * moduli.length);
    moduli.forEach((q, i) => {
      for (let c = 0; c < N; c++) {
        const k = i * N + c;
        view.setBigUint64(at + CIPHER_DATA_AT + 8 * k, noise.readBigUInt64LE(8 * k) % q, true);
      }
    });
    at += size;
  }
  return bytes;
}

describe('red team: crafted Galois keys inside Enc(X^T y)', function () {
  this.timeout(900_000);
  const arena = new Arena();
  let targets: string[];

  before(() => arena.start());
  after(() => arena.t.enclave.close());

  it('refuses Galois keys with a key for a step the enclave did not declare: 400 bad_key', async () => {
    const spec = { name: 'extra-step', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: COLUMNS }, model: { family: 'lr' }, he: { rounds: 2, paramSet: PARAM_SET } };
    const { id: job } = await arena.t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await arena.t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    const scope = new HostileBank(arena.rt);
    try {
      const extra = scope.scope.own(scope.scope.own(arena.rt.seal.KeyGenerator(arena.rt.context)).createGaloisKeysSerializable(Int32Array.from([...rotationSteps(PARAM_SET), 2]))).saveArray(arena.rt.seal.ComprModeType.none);
      const r = await arena.t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet: PARAM_SET }, [scope.publicKey, extra]), type: FRAME_TYPE });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json().code, 'bad_key', r.text);
    } finally {
      scope.dispose();
    }
  });

  it('refuses Galois and relinearization keys whose second polynomials are not seeds (the bank would choose them): 400 bad_key', async () => {
    const spec = { name: 'unseeded', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: COLUMNS }, model: { family: 'lr' }, he: { rounds: 2, paramSet: PARAM_SET } };
    const job = async () => {
      const { id } = await arena.t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec });
      await arena.t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
      return id;
    };
    const bank = new HostileBank(arena.rt);
    try {
      const { rt } = arena;
      // The same honest keys, loaded (seeds expanded) and saved again: every second polynomial written out in full.
      const gk = bank.scope.own(rt.seal.GaloisKeys());
      gk.loadArray(rt.context, bank.galoisKeys);
      const rk = bank.scope.own(rt.seal.RelinKeys());
      rk.loadArray(rt.context, bank.relinKeys);
      const fullGalois = gk.saveArray(rt.seal.ComprModeType.none);
      const fullRelin = rk.saveArray(rt.seal.ComprModeType.none);
      assert.ok(fullGalois.length > 1.5 * bank.galoisKeys.length && fullRelin.length > 1.5 * bank.relinKeys.length);
      const opened = await arena.t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job: await job(), paramSet: PARAM_SET }, [bank.publicKey, fullGalois]), type: FRAME_TYPE });
      assert.equal(opened.status, 400, opened.text);
      assert.equal(opened.json().code, 'bad_key', opened.text);
      assert.match(opened.json().detail, /createGaloisKeysSerializable/, opened.text);
      const session = await arena.t.client('bankA').request<{ id: string }>('POST', 'v1/he/sessions', { frames: encodeFrames({ job: await job(), paramSet: PARAM_SET }, [bank.publicKey, bank.galoisKeys]) });
      const label = bank.encrypt(new Float64Array(arena.ids.length));
      const sent = await arena.t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/labels`, { body: encodeFrames({ relinKeys: true }, [fullRelin, label]), type: FRAME_TYPE });
      assert.equal(sent.status, 400, sent.text);
      assert.equal(sent.json().code, 'bad_key', sent.text);
      // The session keeps serving: the same labels with the seeded key are computed.
      const honest = await arena.t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/labels`, { body: encodeFrames({ relinKeys: true }, [bank.relinKeys, label]), type: FRAME_TYPE });
      assert.equal(honest.status, 200, honest.text);
    } finally {
      bank.dispose();
    }
  });

  it('a baseline session (y = 0, honest keys) and the true Hessian for the strict estimate', async () => {
    targets = await arena.baseline(2);
  });

  const attacks: [string, (bank: HostileBank) => Uint8Array][] = [
    ['the key for step 16 filed under step 1', (bank) => mislabelled(bank, 1, 16)],
    ['the key for step 1 filed under step 512 (the last pass of the sum within a class)', (bank) => mislabelled(bank, 512, 1)],
    ['random first polynomials in the key for step 1', (bank) => garbage(bank, 1)],
    ['random first polynomials in the conjugation key', (bank) => garbage(bank, CONJUGATION_STEP)],
  ];
  for (const [what, galois] of attacks) {
    it(`${what}: y = e_i reconstructs nothing, error at least 0.5 sd on every column`, async () => {
      const answers: number[][] = [];
      let largest = 0;
      for (const target of targets) {
        const answer = await arena.session(arena.unit(target, 1), { galois });
        answers.push(answer.mean);
        largest = Math.max(largest, answer.largest);
      }
      const e = arena.errors(answers, targets, 1);
      console.log(`      ${what}: largest |slot| of an answer ${largest.toExponential(2)}; reconstruction error per column (sd, rms over ${targets.length} enterprises): ${e.map((v) => v.toPrecision(3)).join(', ')}`);
      e.forEach((v, k) => assert.ok(v >= 0.5, `${COLUMNS[k]}: error ${v} sd`));
    });
  }
});
