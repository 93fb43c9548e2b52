/**
 * Private scoring inside a SEAL pool worker: a session's encrypted model is loaded once, switched
 * down to the level its one product needs, its terms paired (column-pairs.ts: two real columns share a
 * plaintext's complex slots) and kept loaded in a products' module (rns-kernels.ts; a few models per
 * worker, the least recently used freed first); each batch of up to `slots` enterprises then costs one
 * encoding, half an NTT through SEAL and one product per two terms, a rescale, the flood and a save.
 * The flood's encryptions of zero do not depend on any request: a worker makes them ahead, in its
 * idle time, for the models it keeps.
 */
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { Encryptor } from 'node-seal/implementation/encryptor';
import type { ParmsIdType } from 'node-seal/implementation/parms-id-type';
import type { PlainText } from 'node-seal/implementation/plain-text';
import { JointlabError } from '../../lab/errors';
import { PARAM_SETS, ParamSetName } from '../../lab/he/params';
import { CkksRuntime, Scope, ckks } from '../../lab/he/seal-runtime';
import { FloodPolicy, badCipher, floodSize, loadFresh, noiseEstimate, sealBlobLooksWhole } from './enclave-crypto';
import { minusHalfTurn, nttTransform } from './column-pairs';
import { pairCoefficients } from '../../lab/he/ckks-encoding';
import { PairProducts } from './rns-kernels';
import { addSampledFlood } from './sampled-flood';
import { CIPHER_DATA_AT, PLAIN_DATA_AT, cipherBytes } from '../../lab/he/seal-objects';
import { columnBounds, zBound } from '../release/score-bounds';
import type { FloodReport } from '../../lab/api/he-sessions';

export interface ScoreModelInput {
  paramSet: ParamSetName;
  publicKey: Uint8Array;
  /** Encrypted coefficients, one per basis column, each replicated in every slot; the last is the constant term. */
  coefficients: Uint8Array[];
  /**
   * Which basis columns are 0/1 flags, one per term (enclave/release/score-bounds.ts): flags are bound
   * by 1, the others by a bound the term count sets; values are clipped to their bound, and the flood's
   * noise estimate uses the bounds, never the batch's data. Without it no column is a flag.
   */
  flags?: boolean[];
  /**
   * The worker keeps the model loaded under this key (one per model upload, made by the enclave, never
   * by a bank); without one the model is loaded for this call only.
   */
  key?: string;
}

export interface ScoreBatchesInput extends ScoreModelInput {
  /** Per batch, the basis columns over its enterprises (at most `slots` of them). */
  batches: Float64Array[][];
  policy: FloodPolicy;
}

export interface ScoreInput extends ScoreModelInput {
  /** Basis columns over the enterprises to score (at most `slots` of them). */
  basis: Float64Array[];
  policy: FloodPolicy;
}

interface LoadedModel {
  scope: Scope;
  encryptor: Encryptor;
  /**
   * The terms' coefficients one level below the top, two to a ciphertext: Enc(w_a) - X^(N/2) Enc(w_b)
   * for the terms [a, b] of `order` (column-pairs.ts), a lone term alone, then the constant term's,
   * with the ones plaintext it multiplies; held by the products' module (rns-kernels.ts), which sums a
   * batch's products. The product is rescaled once, down to the last prime, so products, sums, the
   * rescale, the flood and the answer all run on fewer primes.
   */
  products: PairProducts;
  /** The terms each pair holds, from the column kinds the model was loaded with (`kinds`). */
  order: number[][];
  kinds: string;
  /** The coefficients' scale (the bank's fresh scale; all of them the same). */
  coefficientScale: number;
  moduli: number;
  terms: number;
  level: ParmsIdType;
  /** Zero at the answer's level (the last prime), scale 1: encrypting it makes a fresh encryption of zero there. */
  zeroPlain: PlainText;
  /** The answer's scale: the coefficients' times the basis's, over the prime the rescale drops (what SEAL's rescale gives). */
  answerScale: number;
  /**
   * Fresh encryptions of zero under the session's public key, at the answer's level, made ahead while
   * the worker is idle (fillZeros). Each is taken out by one answer's flood and freed after it:
   * none is ever used twice. Not owned by `scope`: the ones left are freed when the model is dropped.
   */
  zeros: CipherText[];
}

/** Models kept per worker: a session's scoring requests find theirs loaded. */
const MAX_LOADED = 4;
const loaded = new Map<string, LoadedModel>();

/**
 * Encryptions of zero kept ahead per loaded model, one per answer (a batch of up to `slots`
 * enterprises): 256 KB each at N = 16384 on the last prime, so at most 4 MB per model and 16 MB per worker.
 */
const ZEROS_AHEAD = 16;

function dropModel(model: LoadedModel): void {
  for (const z of model.zeros.splice(0)) z.delete();
  model.scope.dispose();
}

/** A step on a bank's ciphertexts that SEAL refuses only for crafted ones (a transparent result): a 4xx naming them. */
function crafted<T>(step: () => T, what: string): T {
  try {
    return step();
  } catch {
    throw badCipher(what);
  }
}

/**
 * Which terms share a plaintext: standardized terms with each other, then flags with each other, in
 * order. A batch's flag columns are often all zero (no value missing, a level no enterprise has), and
 * a pair of them is then skipped as SEAL would skip each; paired with a standardized term, each would
 * cost a product.
 */
function pairOrder(terms: number, flags: boolean[] | undefined): number[][] {
  const kinds = [false, true].map((flag) => Array.from({ length: terms }, (_, t) => t).filter((t) => (flags?.[t] ?? false) === flag));
  const order: number[][] = [];
  for (const kind of kinds) for (let k = 0; k < kind.length; k += 2) order.push(kind.slice(k, k + 2));
  return order;
}

/**
 * The bank's coefficient ciphertexts switched one level down, the terms' paired (column-pairs.ts) as
 * `order` says: Enc(w_a) - X^(N/2) Enc(w_b) for terms [a, b], a lone term as it is, then the constant
 * term's, each handed to a new products' module and freed.
 */
function loadPairs(rt: CkksRuntime, scope: Scope, blobs: Uint8Array[], order: number[][]): { products: PairProducts; coefficientScale: number; moduli: number; level: ParmsIdType } {
  if (!blobs.length) throw new JointlabError('bad_ciphertext_count', 'send at least the constant term', 'usage');
  const terms = blobs.length - 1;
  const transient = new Scope();
  try {
    const coefficients = blobs.map((bytes, i) => {
      const ct = loadFresh(rt, transient, bytes, `coefficient ciphertext ${i}`);
      // SEAL throws when the switch leaves the second polynomial zero.
      crafted(() => rt.evaluator.cipherModSwitchToNext(ct, ct), `coefficient ciphertext ${i}`);
      return ct;
    });
    const level = scope.own(coefficients[0].parmsId);
    const halfTurn = minusHalfTurn(rt, transient, level);
    const pairs = order.map(([a, b]) => {
      if (b === undefined) return coefficients[a];
      const pair = transient.own(rt.seal.CipherText());
      crafted(() => {
        rt.evaluator.multiplyPlain(coefficients[b], halfTurn, pair);
        rt.evaluator.add(coefficients[a], pair, pair);
      }, `coefficient ciphertexts ${a} and ${b}`);
      return pair;
    });
    const coefficientScale = coefficients[0].scale;
    // The module sums products whatever their scales; SEAL's sum would refuse different ones, and so do we.
    if (coefficients.some((ct) => ct.scale !== coefficientScale)) throw badCipher('a coefficient ciphertext at another scale');
    const moduli = scope.own(scope.own(rt.context.getContextData(level)).parms).coeffModulus;
    const products = new PairProducts(rt.slots * 2, Array.from(moduli), pairs.length + 1);
    [...pairs, coefficients[terms]].forEach((ct, k) => products.setCipher(k, ct.saveArray(rt.seal.ComprModeType.none).subarray(CIPHER_DATA_AT)));
    return { products, coefficientScale, moduli: moduli.length, level };
  } finally {
    transient.dispose();
  }
}

function loadModel(rt: CkksRuntime, input: ScoreModelInput): LoadedModel {
  const scope = new Scope();
  try {
    const pk = scope.own(rt.seal.PublicKey());
    try {
      if (!sealBlobLooksWhole(input.publicKey)) throw new Error();
      pk.loadArray(rt.context, input.publicKey);
    } catch {
      throw new JointlabError('bad_key', "the public key does not load under this session's parameters", 'usage');
    }
    const terms = input.coefficients.length - 1;
    if (input.flags && input.flags.length !== terms) throw new JointlabError('schema_violation', `expected ${terms} column kinds`, 'usage');
    const order = pairOrder(terms, input.flags);
    const { products, coefficientScale, moduli, level } = loadPairs(rt, scope, input.coefficients, order);
    const ones = scope.own(rt.encoder.encode(new Float64Array(rt.slots).fill(1), rt.scale));
    rt.evaluator.plainModSwitchTo(ones, level, ones);
    products.setOnes(ones.saveArray(rt.seal.ComprModeType.none).subarray(PLAIN_DATA_AT));
    // The product is rescaled once: the answer sits one level below the coefficients.
    const answerLevel = scope.own(scope.own(scope.own(rt.context.getContextData(level)).nextContextData).parmsId);
    const zeroPlain = scope.own(rt.encoder.encode(new Float64Array(rt.slots), 1));
    rt.evaluator.plainModSwitchTo(zeroPlain, answerLevel, zeroPlain);
    const primes = scope.own(scope.own(rt.context.getContextData(level)).parms).coeffModulus;
    const answerScale = (coefficientScale * rt.scale) / Number(primes[primes.length - 1]);
    return { scope, encryptor: scope.own(rt.seal.Encryptor(rt.context, pk)), products, order, kinds: kindsOf(input.flags), coefficientScale, moduli, terms, level, zeroPlain, answerScale, zeros: [] };
  } catch (e) {
    scope.dispose();
    throw e;
  }
}

const kindsOf = (flags: boolean[] | undefined): string => (flags ?? []).map((f) => (f ? 'f' : 'z')).join('');

/** The model under `key`, loaded on first use and kept; an unkeyed model is the caller's to dispose. */
function modelFor(rt: CkksRuntime, input: ScoreModelInput): { model: LoadedModel; kept: boolean } {
  if (!input.key) return { model: loadModel(rt, input), kept: false };
  const key = `${input.paramSet}:${input.key}`;
  let model = loaded.get(key);
  // The pairs follow the column kinds: a call that names others gets the model paired for them (and
  // one whose kinds do not load keeps the model as it was).
  if (model && model.kinds !== kindsOf(input.flags)) {
    const repaired = loadModel(rt, input);
    dropModel(model);
    model = repaired;
  }
  if (model) loaded.delete(key);
  else model = loadModel(rt, input);
  loaded.set(key, model);
  for (const [old, m] of loaded) {
    if (loaded.size <= MAX_LOADED) break;
    loaded.delete(old);
    dropModel(m);
  }
  return { model, kept: true };
}

/**
 * A fresh public-key encryption of zero made at the answer's level. SEAL encrypts a plaintext below
 * the top at the level above it and divides by that level's last prime, as a zero made at the top and
 * switched down is divided: both decrypt to the same rounding noise, made with fewer primes. It only
 * re-randomizes the answer; the sampled polynomial is the flood (score-zeros.test.ts measures it).
 */
function freshZero(model: LoadedModel): CipherText {
  const zero = model.encryptor.encrypt(model.zeroPlain);
  if (!zero) throw new Error('SEAL returned no ciphertext');
  return zero;
}

let filling = false;

/**
 * Makes encryptions of zero for the kept models, most recently used first, one per turn of the event
 * loop: a job that arrives meanwhile waits for one zero at most. Stops when every kept model has its
 * ZEROS_AHEAD. A SEAL failure here is thrown out of the worker, which the pool then replaces.
 */
function fillZeros(): void {
  if (filling) return;
  filling = true;
  const step = (): void => {
    const model = [...loaded.values()].reverse().find((m) => m.zeros.length < ZEROS_AHEAD);
    if (!model) {
      filling = false;
      return;
    }
    model.zeros.push(freshZero(model));
    setImmediate(step);
  };
  setImmediate(step);
}

/** Encryptions of zero made ahead and not used yet for the model kept under `key` (for tests; other tests' models may share the thread). */
export function zerosAhead(paramSet: ParamSetName, key: string): number {
  return loaded.get(`${paramSet}:${key}`)?.zeros.length ?? 0;
}

/**
 * Spread of the noise in each answer slot's imaginary part (value domain). A pair's product has
 * w_a b - w_b a there (column-pairs.ts): a second linear function of the basis that a bank scoring
 * with real coefficients never asked for, and from which, with the score, it could solve for two
 * terms' values. Thousands of times any score's size, it leaves nothing to read there; the real part,
 * the score, is untouched, and the answer's coefficients stay far below the last prime (about 2^47
 * against 2^59).
 */
export const IMAGINARY_FLOOD = 4096;

/**
 * Floods the answer (sampled-flood.ts): one fresh public-key encryption of zero re-randomizes it (its
 * second polynomial no longer follows from the bank's ciphertexts and the basis) and a sampled
 * Gaussian polynomial floods its noise over every coefficient, `valueStd` wide in the value domain,
 * and the imaginary parts IMAGINARY_FLOOD wide.
 */
function flood(rt: CkksRuntime, scope: Scope, model: LoadedModel, result: CipherText, valueStd: number): void {
  // One made ahead if there is one left, else one made now; either way this answer's alone, freed with the batch.
  const zero = scope.own(model.zeros.pop() ?? freshZero(model));
  // A coefficient's noise of std s reads as s sqrt(N / 2) / scale in each slot's real part; imaginaryNoise's g of std s as s sqrt(N) / scale.
  addSampledFlood(rt, scope, result, zero, (valueStd * result.scale) / Math.sqrt(rt.slots), (IMAGINARY_FLOOD * result.scale) / Math.sqrt(2 * rt.slots));
}

/**
 * The public noise estimate of a batch whose columns are bound by `bounds`: the coefficients are the
 * bank's fresh ciphertexts and the basis the plaintext factor; the rescale to the last prime rounds at
 * the answer's scale, below the parameter set's, and that rounding joins it. A paired coefficient's two
 * fresh ciphertexts each meet the pair's plaintext, whose slots reach sqrt(bound_a^2 + bound_b^2), so a
 * pair counts its bounds twice (column-pairs.ts: the product's noise has the cross terms too).
 */
function estimateFor(paramSet: ParamSetName, model: LoadedModel, bounds: number[]): number {
  let squares = 1;
  for (const terms of model.order) {
    const pair = terms.reduce((s, t) => s + bounds[t] ** 2, 0);
    squares += terms.length * pair;
  }
  return noiseEstimate(paramSet, { freshL2: Math.sqrt(squares), rows: 0, weightL1: 1, inputL1: 0 }) + Math.sqrt(PARAM_SETS[paramSet].polyModulusDegree) / model.answerScale;
}

/** Each column's bound, from which columns are flags and the policy alone (score-bounds.ts). */
function boundsOf(paramSet: ParamSetName, model: LoadedModel, columns: number, flags: boolean[] | undefined, policy: FloodPolicy): number[] {
  const isFlag = flags ?? new Array<boolean>(columns).fill(false);
  if (isFlag.length !== columns) throw new JointlabError('schema_violation', `expected ${columns} column kinds`, 'usage');
  const z = zBound(policy.minBits, (bound) => Math.log2(policy.precision / estimateFor(paramSet, model, columnBounds(isFlag, bound))));
  return columnBounds(isFlag, z);
}

/** Enc(constant + sum_t coefficient_t * basis_t), one enterprise per slot, flooded. */
function scoreBatch(rt: CkksRuntime, paramSet: ParamSetName, model: LoadedModel, basis: Float64Array[], policy: FloodPolicy, flags: boolean[] | undefined): { cipher: Uint8Array; flood: FloodReport } {
  if (model.terms !== basis.length) {
    throw new JointlabError('bad_ciphertext_count', `expected ${basis.length + 1} coefficient ciphertexts`, 'usage');
  }
  const scope = new Scope();
  try {
    // Each column at most its public bound: nothing in the estimate depends on the batch's data, so
    // neither the reported bits, nor the flood, nor a refusal says anything about its enterprises.
    const bounds = boundsOf(paramSet, model, basis.length, flags, policy);
    const report = floodSize(policy, estimateFor(paramSet, model, bounds), paramSet);
    const what = 'a coefficient ciphertext';
    const { products } = model;
    const n = rt.slots * 2;
    const plainSize = 8 * n * model.moduli;
    // The constant (times ones) first; then each pair with a non-zero plaintext, SEAL transforming two at a time.
    products.startWithConstant(model.order.length);
    const ready: number[] = [];
    const multiply = (): void => {
      const data = nttTransform(rt, scope, model.level, rt.scale, products.residues(ready.length === 2 ? 1 : 0));
      ready.forEach((k, i) => products.addProduct(k, data.subarray(i * plainSize, (i + 1) * plainSize)));
      ready.length = 0;
    };
    const column = (t: number) => ({ values: basis[t], bound: bounds[t] });
    model.order.forEach(([first, second], k) => {
      // A zero plaintext adds nothing (and SEAL would refuse to transform it alone).
      if (!pairCoefficients(n, column(first), second === undefined ? undefined : column(second), rt.scale, products.coefficients(ready.length))) return;
      ready.push(k);
      if (ready.length === 2) multiply();
    });
    if (ready.length) multiply();
    const bytes = cipherBytes(n, model.moduli, model.level.values, model.coefficientScale * rt.scale, true);
    bytes.set(products.sum(), CIPHER_DATA_AT);
    const result = scope.own(rt.seal.CipherText());
    result.loadArray(rt.context, bytes);
    // SEAL throws on a rescale whose result is transparent: only a bank's crafted coefficients make one.
    crafted(() => rt.evaluator.rescaleToNext(result, result), what);
    flood(rt, scope, model, result, report.valueStd);
    // Uncompressed: zstd gains a few percent on flooded coefficients and costs more than the product of a term.
    return { cipher: result.saveArray(rt.seal.ComprModeType.none), flood: report };
  } finally {
    scope.dispose();
  }
}

/** Encrypted scores for each batch, with the flood of the batch that had the least room. */
export async function encryptedScoreBatches(input: ScoreBatchesInput): Promise<{ ciphers: Uint8Array[]; flood: FloodReport }> {
  const rt = await ckks(input.paramSet);
  const { model, kept } = modelFor(rt, input);
  try {
    const ciphers: Uint8Array[] = [];
    let least: FloodReport | undefined;
    for (const basis of input.batches) {
      const r = scoreBatch(rt, input.paramSet, model, basis, input.policy, input.flags);
      ciphers.push(r.cipher);
      if (!least || r.flood.bits < least.bits) least = r.flood;
    }
    if (!least) throw new JointlabError('schema_violation', 'no batch to score', 'usage');
    return { ciphers, flood: least };
  } finally {
    if (!kept) dropModel(model);
    else fillZeros();
  }
}

/** One batch with a model loaded for this call only. */
export async function encryptedScores(input: ScoreInput): Promise<{ cipher: Uint8Array; flood: FloodReport }> {
  const r = await encryptedScoreBatches({ paramSet: input.paramSet, publicKey: input.publicKey, coefficients: input.coefficients, flags: input.flags, batches: [input.basis], policy: input.policy });
  return { cipher: r.ciphers[0], flood: r.flood };
}
