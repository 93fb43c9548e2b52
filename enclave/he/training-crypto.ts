/**
 * Encrypted-label training inside a SEAL pool worker: Enc(X^T y) computed once per session in
 * interleaved classes (slot i in class i mod CLASSES, one design column per class, the label check in
 * the last class of the first group), kept as the class sums rotated by 0..CLASSES-1, and Newton
 * rounds computed as diagonal products over those copies, so a round needs no rotation.
 */
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys';
import { JointlabError } from '../../lab/errors';
import { CLASSES, PARAM_SETS, ParamSetName, classSumPasses } from '../../lab/he/params';
import { CkksRuntime, Scope, ckks, withScope } from '../../lab/he/seal-runtime';
import { FloodPolicy, NoiseInputs, badCipher, encodeAt, floodSize, levelEncoder, loadFresh, loadGaloisKeys, loadPublicKey, matrixL1, noiseEstimate, sealBlobLooksWhole } from './enclave-crypto';
import { addSampledFlood } from './sampled-flood';
import { freshZeros, rerandomized, zeroFromBytes } from './rerandomize';
import { labelCheckBlocks, loadRelinKeys, realParts, secretFactors } from './label-check';
import { CHECK_CLASS, classAt, fillCheckFactors, takeCheckFactors } from './check-factors';
import type { FloodReport } from '../../lab/api/he-sessions';

/** Design columns per group of classes: the last class holds the label check (first group) or nothing. */
const PER_GROUP = CLASSES - 1;

export const xtyGroups = (columns: number): number => Math.max(1, Math.ceil(columns / PER_GROUP));

/** Ciphertexts Enc(X^T y) is kept as: each group's class sums, rotated by 0..CLASSES-1. */
export const xtyCiphertexts = (columns: number): number => CLASSES * xtyGroups(columns);

export interface XtyInput {
  paramSet: ParamSetName;
  publicKey: Uint8Array;
  galoisKeys: Uint8Array;
  /** The bank's encrypted labels, `slots` rows per ciphertext in the upload's order. */
  labels: Uint8Array[];
  /** Design columns aligned to the same rows (zero where the platform has no such enterprise). */
  columns: Float64Array[];
  /** The bank's relinearization keys: when given, Enc(label check) takes the first group's last class (see label-check.ts). */
  relinKeys?: Uint8Array;
  /** Encryptions of zero under the session's key made ahead, one per label block, for their re-randomization (rerandomize.ts). */
  zeros?: Uint8Array[];
  /** Keep the Galois keys loaded under this name for `xtyFromFolds` (made by the enclave, never by a bank). */
  keysKey?: string;
}

/**
 * Fold term `d` of one group: the products of every block's labels with the values of column j on
 * the slots of class (j + d) mod CLASSES, summed, not rescaled (see groupTotals); plus, for the first
 * group, the label check's blocks times secret factors on the slots of class (CHECK_CLASS + d) mod
 * CLASSES. Rotated by `d` it puts every row of column j into class j.
 *
 * Every block costs the same encoding and product whatever its values. SEAL refuses a product
 * with an all-zero plaintext (the result would be transparent), so a block whose slice is all zero is
 * multiplied by a stand-in slice into a scratch ciphertext, which is dropped: a bank that puts one
 * enterprise alone in its last block learns nothing from the time about which of its values are zero.
 * `term` is undefined when every block was all zero; `stand` is then the scratch, at the term's level.
 */
function foldTerm(rt: CkksRuntime, scope: Scope, labels: CipherText[], columns: Float64Array[], checks: CipherText[] | undefined, d: number): { term?: CipherText; stand: CipherText } {
  const sum = scope.own(rt.seal.CipherText());
  const product = scope.own(rt.seal.CipherText());
  const scratch = scope.own(rt.seal.CipherText());
  const slice = new Float64Array(rt.slots);
  let terms = 0;
  let stands = 0;
  let adds = 0;
  labels.forEach((label, block) => {
    slice.fill(0);
    let any = false;
    const offset = block * rt.slots;
    for (let i = 0; i < rt.slots && offset + i < (columns[0]?.length ?? 0); i++) {
      const j = classAt(i, d);
      if (j >= columns.length) continue;
      const v = columns[j][offset + i];
      if (v === 0) continue;
      slice[i] = 0.5 * v; // the labels arrive as 2 Re(y)
      any = true;
    }
    if (!any) slice.fill(1);
    const plain = encodeAt(rt, scope, slice, rt.scale, label);
    const [into, count] = any ? [sum, terms++] : [scratch, stands++];
    rt.evaluator.multiplyPlain(label, plain, count === 0 ? into : product);
    if (count > 0) {
      rt.evaluator.add(into, product, into);
      adds++;
    }
    plain.delete();
  });
  (checks ?? []).forEach((z) => {
    // Random slot values of size 2^20 encoded at scale 1, most of them encoded ahead (check-factors.ts).
    const plain = scope.own(takeCheckFactors(rt, d, z));
    rt.evaluator.multiplyPlain(z, plain, terms === 0 ? sum : product);
    if (terms > 0) {
      rt.evaluator.add(sum, product, sum);
      adds++;
    }
    plain.delete();
    terms++;
  });
  // As many additions as when every block had values: the scratch takes the ones a zero block saved.
  for (const all = labels.length + (checks?.length ?? 0) - 1; adds < all; adds++) rt.evaluator.add(scratch, scratch, scratch);
  return terms > 0 ? { term: sum, stand: sum } : { stand: scratch };
}

/**
 * One group's fold, sum_d rot(term_d, d) (Horner: one rotation by one slot per term), owned by
 * `scope`; undefined when its columns are all zero on these rows. While every term so far was all
 * zero, a stand-in takes the rotations, so a fold rotates as often whichever terms are empty.
 */
function groupFold(rt: CkksRuntime, scope: Scope, gk: GaloisKeys, labels: CipherText[], columns: Float64Array[], checks: CipherText[] | undefined): CipherText | undefined {
  let acc: CipherText | undefined;
  let shadow: CipherText | undefined;
  for (let d = CLASSES - 1; d >= 0; d--) {
    const rotated = acc ?? shadow;
    if (rotated) rt.evaluator.rotateVector(rotated, 1, gk, rotated);
    const { term, stand } = foldTerm(rt, scope, labels, columns, checks, d);
    // The additions too: one per term after the first, as when every term has values.
    if (term && acc) rt.evaluator.add(acc, term, acc);
    else if (term) {
      acc = term;
      if (shadow) rt.evaluator.add(shadow, shadow, shadow);
    } else {
      shadow ??= stand;
      if (d < CLASSES - 1) rt.evaluator.add(stand, stand, stand);
    }
  }
  return acc;
}

/**
 * One group's class sums from its fold, kept rotated by 0..CLASSES-1 (empty entries: a group whose
 * columns are all zero). The fold, the sums within classes and the copies all rotate at the products'
 * scale, before each copy's rescale: a key switch's noise does not depend on the scale, so there it is
 * divided by the prime the rescale drops. Rescaled first, the rotations' noise, summed over every slot
 * of a class, was up to six times the rest of Enc(X^T y)'s error; now the part that depends on no
 * value is 3.1e4 / scale at worst where it was 6.2e7 (enclave-crypto.ts noiseEstimate). It costs
 * rotations at the top level (8.8 ms against 5.4 one level down, n16384) and whole rotation keys.
 */
function groupTotals(rt: CkksRuntime, gk: GaloisKeys, acc: CipherText | undefined): Uint8Array[] {
  if (!acc) return Array.from({ length: CLASSES }, () => new Uint8Array(0));
  const scope = new Scope();
  try {
    const total = scope.own(rt.seal.CipherText());
    const rotated = scope.own(rt.seal.CipherText());
    for (const { step, copies } of classSumPasses(rt.slots)) {
      total.copy(acc);
      rotated.copy(acc);
      for (let m = 1; m < copies; m++) {
        rt.evaluator.rotateVector(rotated, step, gk, rotated);
        rt.evaluator.add(total, rotated, total);
      }
      acc.copy(total);
    }
    // Each copy rotated, then rescaled on its own: a copy's rotations too are at the products' scale.
    const out: Uint8Array[] = [];
    for (let d = 0; d < CLASSES; d++) {
      if (d > 0) rt.evaluator.rotateVector(acc, 1, gk, acc);
      rt.evaluator.rescaleToNext(acc, total);
      // Uncompressed: zstd gains a few percent on ciphertexts, and every round would decompress all of them again.
      out.push(total.saveArray(rt.seal.ComprModeType.none));
    }
    return out;
  } finally {
    scope.dispose();
  }
}

/**
 * One session's Galois keys kept loaded between this worker's fold and the sum of the folds, when the
 * pool names them (`keysKey`, made by the enclave per labels request, never by a bank): the sum runs
 * on a worker that folded, and loading the keys again cost it about 40 ms at n16384 while the other
 * worker idled. One entry; the sum drops it, and so does any job but a fold or a sum (with more than two
 * workers the sum may run on one that did not fold, leaving the folders' copies otherwise).
 */
let keptGalois: { key: string; scope: Scope; gk: GaloisKeys } | undefined;

export function dropKeptGalois(): void {
  keptGalois?.scope.dispose();
  keptGalois = undefined;
}

/** The Galois keys of `bytes`: the kept ones when `key` names them, else loaded (and kept under `key`, if given) or owned by `scope`. */
function galoisKeysOf(rt: CkksRuntime, scope: Scope, bytes: Uint8Array, key: string | undefined): GaloisKeys {
  const name = key ? `${rt.name}:${key}` : undefined;
  if (name && keptGalois?.key === name) return keptGalois.gk;
  if (!name) return loadGaloisKeys(rt, scope, bytes);
  dropKeptGalois();
  const owner = new Scope();
  try {
    keptGalois = { key: name, scope: owner, gk: loadGaloisKeys(rt, owner, bytes) };
    return keptGalois.gk;
  } catch (e) {
    owner.dispose();
    throw e;
  }
}

/** Every group's fold of the input's label blocks (with their label check in the first group), owned by `scope`. */
function groupFolds(rt: CkksRuntime, scope: Scope, input: XtyInput): { gk: GaloisKeys; folds: (CipherText | undefined)[] } {
  const pk = loadPublicKey(rt, scope, input.publicKey);
  const gk = galoisKeysOf(rt, scope, input.galoisKeys, input.keysKey);
  // 2 Re(y): a label's imaginary part would otherwise reach the bank through the rounds, unchecked.
  // Re-randomized first, before any key switch: the bank's keys must meet masks it cannot predict (rerandomize.ts).
  const labels = realParts(rt, scope, rerandomized(rt, scope, input.labels.map((b, i) => loadFresh(rt, scope, b, `label ciphertext ${i}`)), pk, input.zeros), gk);
  const rows = input.columns[0]?.length ?? 0;
  if (labels.length !== Math.ceil(rows / rt.slots)) {
    throw new JointlabError('bad_ciphertext_count', `expected ${Math.ceil(rows / rt.slots)} label ciphertexts for ${rows} rows`, 'usage');
  }
  const checks = input.relinKeys ? labelCheckBlocks(rt, scope, labels, loadRelinKeys(rt, scope, input.relinKeys, sealBlobLooksWhole)) : undefined;
  const folds = Array.from({ length: xtyGroups(input.columns.length) }, (_, g) => groupFold(rt, scope, gk, labels, input.columns.slice(g * PER_GROUP, (g + 1) * PER_GROUP), g === 0 ? checks : undefined));
  return { gk, folds };
}

/**
 * Enc(X^T y), every column's total standing in every slot of its class, kept as the class sums
 * rotated by 0..CLASSES-1 per group of columns. Computed once per session; returned serialized.
 */
export async function encryptedXty(input: XtyInput): Promise<Uint8Array[]> {
  const rt = await ckks(input.paramSet);
  return withScope((scope) => {
    const { gk, folds } = groupFolds(rt, scope, input);
    return folds.flatMap((fold) => groupTotals(rt, gk, fold));
  });
}

/**
 * One worker's share of Enc(X^T y): the folds of some of the label blocks (`columns` holding their
 * rows alone), with those blocks' label check, one serialized ciphertext per group (empty for a group
 * whose columns are all zero on these rows). `xtyFromFolds` sums the shares and finishes.
 */
export async function xtyFolds(input: XtyInput): Promise<Uint8Array[]> {
  const rt = await ckks(input.paramSet);
  const folds = await withScope((scope) => groupFolds(rt, scope, input).folds.map((fold) => (fold ? fold.saveArray(rt.seal.ComprModeType.none) : new Uint8Array(0))));
  // The next session's check factors, in the idle time after this one.
  if (input.relinKeys) fillCheckFactors(input.paramSet);
  return folds;
}

/** Enc(X^T y) as `encryptedXty` makes it, from the folds several workers made of disjoint label blocks (`xtyFolds`): summed per group, then summed within classes. */
export async function xtyFromFolds(input: { paramSet: ParamSetName; galoisKeys: Uint8Array; keysKey?: string; shares: Uint8Array[][] }): Promise<Uint8Array[]> {
  const rt = await ckks(input.paramSet);
  return withScope((scope) => {
    const gk = galoisKeysOf(rt, scope, input.galoisKeys, input.keysKey);
    const groups = input.shares[0]?.length ?? 0;
    if (groups === 0 || input.shares.some((s) => s.length !== groups)) throw new JointlabError('he_failed', 'the shares of Enc(X^T y) do not match');
    const folds = Array.from({ length: groups }, (_, g) => {
      let sum: CipherText | undefined;
      input.shares.forEach((share, k) => {
        if (share[g].length === 0) return;
        const fold = scope.own(rt.seal.CipherText());
        try {
          if (!sealBlobLooksWhole(share[g])) throw new Error();
          fold.loadArray(rt.context, share[g]);
        } catch {
          throw badCipher(`share ${k} of Enc(X^T y)`);
        }
        if (sum) rt.evaluator.add(sum, fold, sum);
        else sum = fold;
      });
      return sum;
    });
    return folds.flatMap((fold) => groupTotals(rt, gk, fold));
  }).finally(dropKeptGalois);
}

export interface RoundInput {
  paramSet: ParamSetName;
  publicKey: Uint8Array;
  /** Enc(X^T y) from `encryptedXty`: per group of columns, the class sums rotated by 0..CLASSES-1. */
  xty: Uint8Array[];
  /**
   * The worker keeps `xty` loaded under this key (made by the enclave for one session's stored totals,
   * never by a bank), so the session's later rounds skip loading it; without one it is loaded for this call only.
   */
  xtyKey?: string;
  /** The Newton step in the clear: new = offset + matrix (row-major D x D) times X^T y. */
  matrix: Float64Array;
  offset: Float64Array;
  noise: Omit<NoiseInputs, 'weightL1'>;
  policy: FloodPolicy;
  /** Enc(X^T y) holds the label check: each answer slot gets it times `gain` times a fresh secret factor. */
  check?: { gain: number };
  /** A fresh encryption of zero from `floodZeros` (the first of the list), made for this round alone; without it the round makes its own. */
  zeros?: Uint8Array[];
}

/** Sessions whose totals a worker keeps loaded (about 8 MB each at n16384); the least recently used goes first. */
const MAX_LOADED = 2;
const loaded = new Map<string, { scope: Scope; totals: (CipherText | undefined)[] }>();

/** The stored totals as ciphertexts (undefined for an empty entry), kept under `input.xtyKey` or owned by `scope`. */
function loadTotals(rt: CkksRuntime, scope: Scope, input: RoundInput): (CipherText | undefined)[] {
  const key = input.xtyKey ? `${input.paramSet}:${input.xtyKey}` : undefined;
  const known = key ? loaded.get(key) : undefined;
  if (key && known) {
    loaded.delete(key);
    loaded.set(key, known);
    return known.totals;
  }
  const owner = key ? new Scope() : scope;
  try {
    const totals = input.xty.map((bytes, at) => {
      if (bytes.length === 0) return undefined;
      const s = owner.own(rt.seal.CipherText());
      try {
        s.loadArray(rt.context, bytes);
      } catch {
        throw badCipher(`stored total ${at}`);
      }
      return s;
    });
    if (key) {
      loaded.set(key, { scope: owner, totals });
      for (const [old, entry] of loaded) {
        if (loaded.size <= MAX_LOADED) break;
        loaded.delete(old);
        entry.scope.dispose();
      }
    }
    return totals;
  } catch (e) {
    if (owner !== scope) owner.dispose();
    throw e;
  }
}

/**
 * Loads a session's stored totals into this worker under their key, ahead of its rounds: the first
 * round a worker computed otherwise loaded them itself, about 50 ms at n16384, while the bank waited.
 */
export async function keepTotals(input: Pick<RoundInput, 'paramSet' | 'xty' | 'xtyKey'>): Promise<void> {
  const rt = await ckks(input.paramSet);
  await withScope((scope) => {
    loadTotals(rt, scope, input as RoundInput);
  });
}

/**
 * One fresh public-key encryption of zero, dropped to the answer's level (dropping primes leaves value
 * and noise as they are): what one round's flood needs besides its sampled polynomial
 * (sampled-flood.ts), made by a SEAL worker while the bank decrypts an earlier answer, so the round
 * itself encrypts nothing. It floods exactly one round. A list, as the pool hands it over.
 */
export function floodZeros(input: { paramSet: ParamSetName; publicKey: Uint8Array; policy: FloodPolicy }): Promise<Uint8Array[]> {
  return freshZeros({ paramSet: input.paramSet, publicKey: input.publicKey, count: 1, last: true });
}

/**
 * The sum over stored totals [from, to) of each copy times its diagonal (unrescaled), owned by
 * `scope`; undefined when every diagonal there is zero. Copy d of a group holds at slot k the total of
 * class (k + d) mod CLASSES, so slot k of the sum over every copy of copy_d times diagonal_d, with
 * diagonal_d[k] = matrix[k][that class's column], is row k of the product; the check's class gets a
 * fresh secret factor instead (each row's check class falls in one copy, so a range draws its own).
 */
function roundProducts(rt: CkksRuntime, scope: Scope, input: RoundInput, from: number, to: number): CipherText | undefined {
  const d = input.offset.length;
  // Loaded (and so checked by SEAL) before their count is: a stored total that does not load is the worker's failure.
  const totals = loadTotals(rt, scope, input);
  if (input.xty.length !== xtyCiphertexts(d)) throw new JointlabError('bad_ciphertext_count', `expected ${xtyCiphertexts(d)} stored totals for ${d} columns`, 'usage');
  let result: CipherText | undefined;
  const term = scope.own(rt.seal.CipherText());
  const rho = input.check ? secretFactors(d).map((v) => v * input.check!.gain) : undefined;
  const diagonal = new Float64Array(rt.slots);
  const scale = 2 ** PARAM_SETS[input.paramSet].secondScaleBits;
  // The totals are one rescale below the top: their diagonals are encoded at that level directly
  // (enclave-crypto.ts levelEncoder; null: not asked yet, undefined: none, encoded at the top and switched down).
  let encoder: ReturnType<typeof levelEncoder> | null = null;
  totals.forEach((s, at) => {
    if (!s || at < from || at >= to) return;
    const group = Math.floor(at / CLASSES);
    const shift = at % CLASSES;
    diagonal.fill(0);
    for (let k = 0; k < d; k++) {
      const c = (k + shift) % CLASSES;
      const j = group * PER_GROUP + c;
      if (c === CHECK_CLASS) diagonal[k] = group === 0 && rho ? rho[k] : 0;
      else if (j < d) diagonal[k] = input.matrix[k * d + j];
    }
    if (diagonal.every((v) => v === 0)) return;
    if (encoder === null) encoder = levelEncoder(rt, scope.own(s.parmsId));
    const plain = encoder ? scope.own(encoder.encode(diagonal, scale)) : encodeAt(rt, scope, diagonal, scale, s);
    if (result) {
      rt.evaluator.multiplyPlain(s, plain, term);
      rt.evaluator.add(result, term, result);
    } else {
      result = scope.own(rt.seal.CipherText());
      rt.evaluator.multiplyPlain(s, plain, result);
    }
    plain.delete();
  });
  return result;
}

/**
 * One share of a round's products (roundProducts over stored totals [from, to)), serialized; empty
 * when every diagonal there is zero. Two SEAL workers compute a round's shares at once and one of them
 * finishes it (`newtonRound` with `parts`).
 */
export async function newtonRoundPart(input: RoundInput & { from: number; to: number }): Promise<Uint8Array> {
  const rt = await ckks(input.paramSet);
  return withScope((scope) => roundProducts(rt, scope, input, input.from, input.to)?.saveArray(rt.seal.ComprModeType.none) ?? new Uint8Array(0));
}

/** The shares `newtonRoundPart` made, summed (owned by `scope`); undefined when all are empty. */
function sumOfParts(rt: CkksRuntime, scope: Scope, parts: Uint8Array[]): CipherText | undefined {
  let sum: CipherText | undefined;
  parts.forEach((bytes, k) => {
    if (bytes.length === 0) return;
    const part = scope.own(rt.seal.CipherText());
    try {
      if (!sealBlobLooksWhole(bytes)) throw new Error();
      part.loadArray(rt.context, bytes);
    } catch {
      throw badCipher(`share ${k} of the round`);
    }
    if (sum) rt.evaluator.add(sum, part, sum);
    else sum = part;
  });
  return sum;
}

/**
 * Enc(offset + matrix · X^T y), flooded: the bank's new weights in slots 0..D-1, readable only with
 * its secret key. The products over every stored total (roundProducts), or the shares of them other
 * workers made (`parts`), then rescaled, offset and flooded.
 */
export async function newtonRound(input: RoundInput & { parts?: Uint8Array[] }): Promise<{ cipher: Uint8Array; flood: FloodReport }> {
  const rt = await ckks(input.paramSet);
  return withScope((scope) => {
    const result = input.parts ? sumOfParts(rt, scope, input.parts) : roundProducts(rt, scope, input, 0, input.xty.length);
    if (!result) throw new JointlabError('no_labels', 'the stored totals are all zero', 'conflict');
    rt.evaluator.rescaleToNext(result, result);
    const offset = new Float64Array(rt.slots);
    offset.set(input.offset);
    const plainOffset = encodeAt(rt, scope, offset, result.scale, result);
    rt.evaluator.addPlain(result, plainOffset, result);
    const estimate = noiseEstimate(input.paramSet, { ...input.noise, weightL1: matrixL1(input.matrix, input.offset.length) });
    const report = floodSize(input.policy, estimate, input.paramSet);
    // One fresh encryption of zero for this round alone, made ahead or here, then the sampled polynomial (as scoring floods).
    let zero = zeroFromBytes(rt, scope, input.zeros?.[0], result);
    if (!zero) {
      const encryptor = scope.own(rt.seal.Encryptor(rt.context, loadPublicKey(rt, scope, input.publicKey)));
      zero = scope.own(encryptor.encryptZero());
      rt.evaluator.cipherModSwitchTo(zero, scope.own(result.parmsId), zero);
    }
    addSampledFlood(rt, scope, result, zero, (report.valueStd * result.scale) / Math.sqrt(rt.slots));
    return { cipher: result.saveArray(rt.seal.ComprModeType.none), flood: report };
  });
}
