/**
 * Red team (galois): a bank's relinearization key is used once, inside the label check, on
 * Enc(u) * Enc(u - 2) with u the doubled real part of its own labels. A key-switching key is a list of
 * encryptions the bank made; only SEAL's layout is checked, never that each one really encrypts P s^2.
 * Before this control, everything the enclave had computed up to that key switch came from the bank's
 * own bytes (its label ciphertext and its conjugation key: SEAL is deterministic), so the bank could
 * replay it, read the exact product it would meet, and change the first polynomial of one part of the
 * key so that the relinearized product decrypts to exactly zero whatever its labels. The label check
 * then sees c = 0, and a huge label on one enterprise (y = 1e4 e_i) reads that enterprise's row through
 * the rounds: the very attack the check exists to stop (crafted-labels.test.ts).
 *
 * The control (enclave/he/rerandomize.ts): the enclave adds its own fresh encryption of zero to every
 * label ciphertext before any key switch, so the masks a key meets are unknown to the bank and a
 * crafted part adds noise the bank cannot predict or cancel. The bank's reconstruction uses the true
 * Hessian (the strictest estimate, as crafted-labels.test.ts) and is checked first on the bank's own
 * replay: the crafted key really does zero the check on the bytes the bank sends.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { Decryptor } from 'node-seal/implementation/decryptor';
import type { Encryptor } from 'node-seal/implementation/encryptor';
import { clipNorm, clipRows } from '../../../enclave/release/he-rounds';
import { CIPHER_DATA_AT, cipherBytes } from '../../../enclave/he/sampled-flood';
import { frameOf } from '../../../lab/data/columns';
import { parseCsv } from '../../../lab/data/csv';
import { decodeFrames, encodeFrames } from '../../../lab/he/frames';
import { rotationSteps, slotsOf } from '../../../lab/he/params';
import { CkksRuntime, Scope, ckks } from '../../../lab/he/seal-runtime';
import { loadJoined } from '../../../lab/train';
import { Encoder, encode } from '../../../models/encoding';
import { takeRows } from '../../../models/frame';
import { newtonPieces } from '../../../models/logistic-core';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';

const COLUMNS = ['years_established', 'registered_capital_10k', 'si_headcount', 'certifications'];
const L2 = 100;
const PARAM_SET = 'n16384';
/** The lookup factor: the largest whose answer still fits the modulus at l2 = 100 (crafted-labels.test.ts). */
const K = 1e4;

/** a^-1 mod q (q prime). */
function inverse(a: bigint, q: bigint): bigint {
  let result = 1n;
  let base = a % q;
  for (let e = q - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % q;
    base = (base * base) % q;
  }
  return result;
}

/** A bank with its own key pair, which keeps its secret key to replay what the enclave computes. */
class HostileBank {
  readonly scope = new Scope();
  readonly encryptor: Encryptor;
  readonly decryptor: Decryptor;
  readonly publicKey: Uint8Array;
  readonly galoisKeys: Uint8Array;
  readonly relinKeys: Uint8Array;

  constructor(readonly rt: CkksRuntime) {
    const s = this.scope;
    const keygen = s.own(rt.seal.KeyGenerator(rt.context));
    const secret = s.own(keygen.secretKey());
    this.encryptor = s.own(rt.seal.Encryptor(rt.context, s.own(keygen.createPublicKey()), secret));
    this.decryptor = s.own(rt.seal.Decryptor(rt.context, secret));
    // Seeded, as BankCrypto sends them: the crafted key below stays seeded too.
    this.publicKey = s.own(keygen.createPublicKeySerializable()).saveArray(rt.seal.ComprModeType.none);
    this.galoisKeys = s.own(keygen.createGaloisKeysSerializable(Int32Array.from(rotationSteps(PARAM_SET)))).saveArray(rt.seal.ComprModeType.none);
    this.relinKeys = s.own(keygen.createRelinKeysSerializable()).saveArray(rt.seal.ComprModeType.none);
  }

  encrypt(values: Float64Array): Uint8Array {
    const padded = new Float64Array(this.rt.slots);
    padded.set(values);
    const plain = this.scope.own(this.rt.encoder.encode(padded, this.rt.scale));
    return this.scope.own(this.encryptor.encryptSymmetricSerializable(plain)).saveArray(this.rt.seal.ComprModeType.none);
  }

  /** The enclave's label check on `label` as it computed it before the control: 2 Re(y) times itself minus 2, before relinearization. */
  private product(label: Uint8Array) {
    const { rt, scope } = this;
    const ct = scope.own(rt.seal.CipherText());
    ct.loadArray(rt.context, label);
    const gk = scope.own(rt.seal.GaloisKeys());
    gk.loadArray(rt.context, this.galoisKeys);
    const real = scope.own(rt.seal.CipherText());
    rt.evaluator.complexConjugate(ct, gk, real);
    rt.evaluator.add(real, ct, real);
    const twos = scope.own(rt.encoder.encode(new Float64Array(rt.slots).fill(2), rt.scale));
    const shifted = scope.own(rt.seal.CipherText());
    rt.evaluator.subPlain(real, twos, shifted);
    const z3 = scope.own(rt.seal.CipherText());
    rt.evaluator.multiply(real, shifted, z3);
    return z3;
  }

  /** What the relinearized check of `label` decrypts to under `relinKeys`, in the value domain (largest |slot|). */
  checkUnder(label: Uint8Array, relinKeys: Uint8Array): number {
    const { rt, scope } = this;
    const rk = scope.own(rt.seal.RelinKeys());
    rk.loadArray(rt.context, relinKeys);
    const z = scope.own(rt.seal.CipherText());
    rt.evaluator.relinearize(this.product(label), rk, z);
    const values = rt.encoder.decode(scope.own(this.decryptor.decrypt(z)));
    return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  }

  /**
   * The relinearization key with its first part's first polynomial changed by P p / d in every prime q_i
   * (NTT form, 0 modulo P): the key switch then adds exactly -p to the product's decryption, p being
   * what it decrypts to under the honest key and d the product's third polynomial modulo q_0.
   */
  zeroingRelinKey(label: Uint8Array): Uint8Array {
    const { rt, scope } = this;
    const n = rt.slots * 2;
    const first = scope.own(rt.context.firstParmsId);
    const moduli = Array.from(scope.own(scope.own(rt.context.getContextData(first)).parms).coeffModulus);
    const keyModuli = Array.from(scope.own(scope.own(rt.context.keyContextData).parms).coeffModulus);
    const L = moduli.length;
    const P = keyModuli[keyModuli.length - 1];
    const rk = scope.own(rt.seal.RelinKeys());
    rk.loadArray(rt.context, this.relinKeys);
    const z3 = this.product(label);
    const z = scope.own(rt.seal.CipherText());
    rt.evaluator.relinearize(z3, rk, z);
    // p: the honest decryption, NTT form, the last L * n words of the plaintext's bytes.
    const pBytes = scope.own(this.decryptor.decrypt(z)).saveArray(rt.seal.ComprModeType.none);
    const pView = new DataView(pBytes.buffer, pBytes.byteOffset + pBytes.length - 8 * L * n);
    // d: the third polynomial's digit modulo q_0, coefficient form.
    const coeff = scope.own(rt.seal.CipherText());
    coeff.copy(z3);
    rt.evaluator.cipherTransformFromNtt(coeff, coeff);
    const zBytes = coeff.saveArray(rt.seal.ComprModeType.none);
    const zView = new DataView(zBytes.buffer, zBytes.byteOffset);
    const digit = Array.from({ length: n }, (_, c) => zView.getBigUint64(CIPHER_DATA_AT + 8 * (2 * L * n + c), true));
    // NTT of d modulo each q_i, through SEAL's own transform: a coefficient-form ciphertext (d, 1).
    const dBytes = cipherBytes(n, L, first.values, rt.scale, false);
    const dView = new DataView(dBytes.buffer);
    moduli.forEach((q, i) => {
      for (let c = 0; c < n; c++) {
        dView.setBigUint64(CIPHER_DATA_AT + 8 * (i * n + c), digit[c] % q, true);
        dView.setBigUint64(CIPHER_DATA_AT + 8 * (L * n + i * n + c), c === 0 ? 1n : 0n, true);
      }
    });
    const dCt = scope.own(rt.seal.CipherText());
    dCt.loadArray(rt.context, dBytes);
    rt.evaluator.cipherTransformToNtt(dCt, dCt);
    const dNtt = dCt.saveArray(rt.seal.ComprModeType.none);
    const dNttView = new DataView(dNtt.buffer, dNtt.byteOffset);
    // The key: header, parms id, one key vector of L parts; part 0's first polynomial from byte 64 + CIPHER_DATA_AT.
    const crafted = Uint8Array.from(this.relinKeys);
    const view = new DataView(crafted.buffer);
    const at = 64 + CIPHER_DATA_AT;
    moduli.forEach((q, i) => {
      const pq = P % q;
      for (let c = 0; c < n; c++) {
        const p = pView.getBigUint64(8 * (i * n + c), true);
        const d = dNttView.getBigUint64(CIPHER_DATA_AT + 8 * (i * n + c), true);
        const delta = ((((q - p) % q) * pq) % q) * inverse(d, q) % q;
        const offset = at + 8 * (i * n + c);
        view.setBigUint64(offset, (view.getBigUint64(offset, true) + delta) % q, true);
      }
    });
    return crafted;
  }

  dispose(): void {
    this.scope.dispose();
  }
}

describe('red team: a crafted relinearization key and the label check', function () {
  this.timeout(900_000);
  let t: TestEnclave;
  let rt: CkksRuntime;
  let ids: string[];
  let H: Float64Array;
  let D: number;
  const rowOf = new Map<string, number[]>();
  let targets: string[];
  let zAt: number[];
  let zero: number[];

  before(async () => {
    rt = await ckks(PARAM_SET);
    t = await startTestEnclave({ enterprises: 3000, bankCustomers: 2000, epsilonBudget: 1000 });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    ids = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows.map((r) => r[0]);
    await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${ids.join('\n')}\n`, query: { name: 'ids' } });
  });
  after(() => t.enclave.close());

  /** One session: keys and labels sent as given (`relin` makes the relinearization key from the label blocks), every round at w = 0, averaged. */
  async function session(labels: Float64Array, relin: (bank: HostileBank, blocks: Uint8Array[]) => Uint8Array): Promise<{ mean: number[]; encoder: Encoder; design: string[] }> {
    const client = t.client('bankA');
    const spec = { name: 'crafted-relin', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: COLUMNS }, model: { family: 'lr', params: { l2: L2 } }, he: { rounds: 2, paramSet: PARAM_SET } };
    const { id: job } = await client.request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    const bank = new HostileBank(rt);
    try {
      const opened = await client.request<{ id: string; maxRounds: number; training: { design: string[]; encoder: Encoder } }>('POST', 'v1/he/sessions', {
        frames: encodeFrames({ job, paramSet: PARAM_SET }, [bank.publicKey, bank.galoisKeys]),
      });
      const blocks: Uint8Array[] = [];
      for (let s = 0; s < labels.length; s += slotsOf(PARAM_SET)) blocks.push(bank.encrypt(labels.subarray(s, s + slotsOf(PARAM_SET))));
      await client.send('POST', `v1/he/sessions/${opened.id}/labels`, { frames: encodeFrames({ relinKeys: true }, [relin(bank, blocks), ...blocks]) });
      const width = opened.training.design.length;
      const sum = new Array<number>(width).fill(0);
      for (let r = 0; r < opened.maxRounds; r++) {
        const answer = decodeFrames(await client.send('POST', `v1/he/sessions/${opened.id}/rounds`, { json: { weights: new Array(width).fill(0) } }));
        const values = rt.encoder.decode(bank.scope.own(bank.decryptor.decrypt(loaded(bank, answer.blobs[0]))));
        for (let k = 0; k < width; k++) sum[k] += values[k];
      }
      await client.send('DELETE', `v1/he/sessions/${opened.id}`);
      return { mean: sum.map((v) => v / opened.maxRounds), encoder: opened.training.encoder, design: opened.training.design };
    } finally {
      bank.dispose();
    }
  }

  const loaded = (bank: HostileBank, bytes: Uint8Array) => {
    const ct = bank.scope.own(rt.seal.CipherText());
    ct.loadArray(rt.context, bytes);
    return ct;
  };

  const unit = (id: string, scale: number) => {
    const y = new Float64Array(ids.length);
    y[ids.indexOf(id)] = scale;
    return y;
  };

  /** x-hat = H (answer - answer at y = 0) / K per standardized column, error against the true clipped row. */
  function errors(answer: number[], target: string): number[] {
    return zAt.map((k) => {
      let estimate = 0;
      for (let j = 0; j < D; j++) estimate += H[k * D + j] * (answer[j] - zero[j]);
      return Math.abs(estimate / K - rowOf.get(target)![k]);
    });
  }

  it('the bank replays the enclave: its crafted key zeroes the check of a lookup label that the honest key shows', () => {
    const bank = new HostileBank(rt);
    try {
      const label = bank.encrypt(unit(ids[0], K).subarray(0, rt.slots));
      const honest = bank.checkUnder(label, bank.relinKeys);
      const crafted = bank.checkUnder(label, bank.zeroingRelinKey(label));
      console.log(`      bank's replay of u (u - 2) for y = ${K} e_i: largest slot ${honest.toExponential(2)} under the honest key, ${crafted.toExponential(2)} under the crafted one`);
      assert.ok(honest > 1e8 && crafted < 1e-6, `honest ${honest}, crafted ${crafted}`);
    } finally {
      bank.dispose();
    }
  });

  it('a baseline session (y = 0, honest keys) and the true Hessian for the strict estimate', async () => {
    const base = await session(new Float64Array(ids.length), (bank) => bank.relinKeys);
    zero = base.mean;
    D = base.design.length;
    zAt = COLUMNS.map((c) => base.design.indexOf(c));
    const joined = loadJoined([t.files.platform], 'id');
    const position = new Map(joined.ids.map((id, i) => [id, i]));
    const matched = ids.filter((id) => position.has(id));
    const frame = takeRows(frameOf(joined, COLUMNS, new Set()), matched.map((id) => position.get(id)!));
    const columns = encode(base.encoder, frame).columns;
    const clipped = clipRows([...columns, new Float64Array(matched.length).fill(1)], columns, clipNorm(D)).matched;
    matched.forEach((id, i) => rowOf.set(id, [...clipped.map((c) => c[i]), 1]));
    H = newtonPieces(clipped, matched.length, new Float64Array(D), L2).hessian;
    targets = matched.filter((id) => zAt.every((k) => Math.abs(rowOf.get(id)![k]) >= 0.6)).slice(0, 2);
    assert.equal(targets.length, 2);
  });

  it('y = 1e4 e_i with the crafted relinearization key reconstructs nothing: error at least 0.5 sd on every column', async () => {
    for (const target of targets) {
      const answer = await session(unit(target, K), (bank, blocks) => bank.zeroingRelinKey(blocks[0]));
      const e = errors(answer.mean, target);
      console.log(`      crafted relinearization key, y = ${K} e_i: reconstruction error per column (sd): ${e.map((v) => v.toPrecision(3)).join(', ')}`);
      e.forEach((v, k) => assert.ok(v >= 0.5, `${COLUMNS[k]}: error ${v} sd`));
    }
  });
});
