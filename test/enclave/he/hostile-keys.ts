/**
 * A hostile bank for the crafted-key red-team tests: its own SEAL key pair (it keeps the secret key to
 * replay what the enclave computes and to read every slot of an answer), the seeded keys BankCrypto
 * would send, and byte-level crafting of its key-switching keys; plus one enclave set up as
 * crafted-labels.test.ts does, with the true Hessian for the strictest reconstruction of a row.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { Decryptor } from 'node-seal/implementation/decryptor';
import type { Encryptor } from 'node-seal/implementation/encryptor';
import { clipNorm, clipRows } from '../../../enclave/release/he-rounds';
import { CIPHER_DATA_AT, cipherBytes } from '../../../lab/he/seal-objects';
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

export const COLUMNS = ['years_established', 'registered_capital_10k', 'si_headcount', 'certifications'];
const L2 = 100;
export const PARAM_SET = 'n16384';

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
export class HostileBank {
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

/** Byte ranges of each Galois element's key in SEAL's serialized GaloisKeys: index -> [start, end). */
export function galoisKeyRanges(bytes: Uint8Array): Map<number, [number, number]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 16 + 32;
  const elements = Number(view.getBigUint64(at, true));
  at += 8;
  const ranges = new Map<number, [number, number]>();
  for (let index = 0; index < elements; index++) {
    const parts = Number(view.getBigUint64(at, true));
    at += 8;
    const start = at;
    for (let k = 0; k < parts; k++) at += Number(view.getBigUint64(at + 8, true));
    if (parts) ranges.set(index, [start, at]);
  }
  return ranges;
}

/** An enclave with the platform and the bank's upload, and what the strict reconstruction needs. */
export class Arena {
  t!: TestEnclave;
  rt!: CkksRuntime;
  ids: string[] = [];
  H!: Float64Array;
  D = 0;
  readonly rowOf = new Map<string, number[]>();
  zAt: number[] = [];
  /** The answer at y = 0 with honest keys: what a lookup's answer is differenced against. */
  zero: number[] = [];

  async start(): Promise<void> {
    this.rt = await ckks(PARAM_SET);
    this.t = await startTestEnclave({ enterprises: 3000, bankCustomers: 2000, epsilonBudget: 1000 });
    await this.t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(this.t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    this.ids = parseCsv(readFileSync(this.t.files.bank, 'utf8'), 'b').rows.map((r) => r[0]);
    await this.t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${this.ids.join('\n')}\n`, query: { name: 'ids' } });
  }

  /**
   * One session: the public key, Galois keys (`galois`, honest by default) and relinearization key
   * (`relin`, from the label blocks; honest by default) sent as given, every round at w = 0, each
   * answer decrypted in full with the bank's secret key; returns the mean of the design's slots and
   * the largest |slot| met anywhere in an answer.
   */
  async session(labels: Float64Array, keys: { galois?: (bank: HostileBank) => Uint8Array; relin?: (bank: HostileBank, blocks: Uint8Array[]) => Uint8Array } = {}): Promise<{ mean: number[]; largest: number; encoder: Encoder; design: string[] }> {
    const { rt, t } = this;
    const client = t.client('bankA');
    const spec = { name: 'crafted-keys', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: COLUMNS }, model: { family: 'lr', params: { l2: L2 } }, he: { rounds: 2, paramSet: PARAM_SET } };
    const { id: job } = await client.request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    const bank = new HostileBank(rt);
    try {
      const opened = await client.request<{ id: string; maxRounds: number; training: { design: string[]; encoder: Encoder } }>('POST', 'v1/he/sessions', {
        frames: encodeFrames({ job, paramSet: PARAM_SET }, [bank.publicKey, keys.galois ? keys.galois(bank) : bank.galoisKeys]),
      });
      const blocks: Uint8Array[] = [];
      for (let s = 0; s < labels.length; s += slotsOf(PARAM_SET)) blocks.push(bank.encrypt(labels.subarray(s, s + slotsOf(PARAM_SET))));
      await client.send('POST', `v1/he/sessions/${opened.id}/labels`, { frames: encodeFrames({ relinKeys: true }, [keys.relin ? keys.relin(bank, blocks) : bank.relinKeys, ...blocks]) });
      const width = opened.training.design.length;
      const sum = new Array<number>(width).fill(0);
      let largest = 0;
      for (let r = 0; r < opened.maxRounds; r++) {
        const answer = decodeFrames(await client.send('POST', `v1/he/sessions/${opened.id}/rounds`, { json: { weights: new Array(width).fill(0) } }));
        const ct = bank.scope.own(rt.seal.CipherText());
        ct.loadArray(rt.context, answer.blobs[0]);
        const values = rt.encoder.decode(bank.scope.own(bank.decryptor.decrypt(ct)));
        for (let k = 0; k < width; k++) sum[k] += values[k];
        largest = values.reduce((m, v) => Math.max(m, Math.abs(v)), largest);
      }
      await client.send('DELETE', `v1/he/sessions/${opened.id}`);
      return { mean: sum.map((v) => v / opened.maxRounds), largest, encoder: opened.training.encoder, design: opened.training.design };
    } finally {
      bank.dispose();
    }
  }

  unit(id: string, scale: number): Float64Array {
    const y = new Float64Array(this.ids.length);
    y[this.ids.indexOf(id)] = scale;
    return y;
  }

  /** The baseline session, the true clipped rows and Hessian, and `count` targets far from the mean in every column. */
  async baseline(count: number): Promise<string[]> {
    const base = await this.session(new Float64Array(this.ids.length));
    this.zero = base.mean;
    this.D = base.design.length;
    this.zAt = COLUMNS.map((c) => base.design.indexOf(c));
    const joined = loadJoined([this.t.files.platform], 'id');
    const position = new Map(joined.ids.map((id, i) => [id, i]));
    const matched = this.ids.filter((id) => position.has(id));
    const frame = takeRows(frameOf(joined, COLUMNS, new Set()), matched.map((id) => position.get(id)!));
    const columns = encode(base.encoder, frame).columns;
    const clipped = clipRows([...columns, new Float64Array(matched.length).fill(1)], columns, clipNorm(this.D)).matched;
    matched.forEach((id, i) => this.rowOf.set(id, [...clipped.map((c) => c[i]), 1]));
    this.H = newtonPieces(clipped, matched.length, new Float64Array(this.D), L2).hessian;
    const targets = matched.filter((id) => this.zAt.every((k) => Math.abs(this.rowOf.get(id)![k]) >= 0.6)).slice(0, count);
    assert.equal(targets.length, count);
    return targets;
  }

  /**
   * x-hat = H (answer - answer at y = 0) / scale per standardized column, against the true clipped
   * rows: the root mean square error over the targets, per column, in sd (as crafted-labels.test.ts).
   */
  errors(answers: number[][], targets: string[], scale: number): number[] {
    const { H, D } = this;
    return this.zAt.map((k) => {
      let sq = 0;
      answers.forEach((answer, n) => {
        let estimate = 0;
        for (let j = 0; j < D; j++) estimate += H[k * D + j] * (answer[j] - this.zero[j]);
        sq += (estimate / scale - this.rowOf.get(targets[n])![k]) ** 2;
      });
      return Math.sqrt(sq / answers.length);
    });
  }
}
