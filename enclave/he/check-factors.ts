/**
 * The label check's secret factors (label-check.ts) as the fold multiplies them in: per fold term `d`
 * and check block, a plaintext of fresh random factors on the slots that term folds into the check's
 * class. They depend on no bank's byte, so a SEAL worker encodes a few ahead in its idle time (as it
 * makes scoring's encryptions of zero); each is taken by one fold term and freed after it. Encoding
 * them on the spot was 16 encodings a check block, about a fifth of a worker's fold.
 */
import type { CipherText } from 'node-seal/implementation/cipher-text';
import type { PlainText } from 'node-seal/implementation/plain-text';
import { CLASSES, ParamSetName } from '../../lab/he/params';
import { CkksRuntime, ckks } from '../../lab/he/seal-runtime';
import { LABEL_CHECK } from '../release/he-rounds';
import { secretFactors } from './label-check';

/** The class of the first group that holds the label check (the others hold design columns). */
export const CHECK_CLASS = CLASSES - 1;

/** Class of slot `i` shifted back by `d`: the column index within its group a fold term `d` puts there. */
export const classAt = (i: number, d: number): number => (((i % CLASSES) - d) % CLASSES + CLASSES) % CLASSES;

/** Plaintexts kept ready per fold term: the check blocks of one share of a 30,000-row session (more are encoded on the spot). */
const AHEAD = 2;

const stock = new Map<ParamSetName, PlainText[][]>();

/**
 * Random factors of size 2^20 on the slots fold term `d` moves into the check's class, zero elsewhere,
 * encoded at scale 1 (integer coefficients: a multiplier the bank cannot guess, at no cost in levels)
 * at the top level, where the check blocks stand (Enc(X^T y) rescales after its rotations).
 */
function encodeFactors(rt: CkksRuntime, d: number, like?: CipherText): PlainText {
  const factors = secretFactors(rt.slots / CLASSES);
  const slice = new Float64Array(rt.slots);
  for (let i = 0, k = 0; i < rt.slots; i++) if (classAt(i, d) === CHECK_CLASS) slice[i] = factors[k++] * LABEL_CHECK.firstFactor;
  const plain = rt.encoder.encode(slice, 1);
  if (!plain) throw new Error('SEAL returned no plaintext');
  if (like) {
    const level = like.parmsId;
    rt.evaluator.plainModSwitchTo(plain, level, plain);
    level.delete();
  }
  return plain;
}

const sameLevel = (plain: PlainText, like: CipherText): boolean => {
  const a = plain.parmsId;
  const b = like.parmsId;
  try {
    return a.values.every((v, i) => v === b.values[i]);
  } finally {
    a.delete();
    b.delete();
  }
};

/** Fold term `d`'s factors for one check block at `like`'s level, never used before; the caller frees it. */
export function takeCheckFactors(rt: CkksRuntime, d: number, like: CipherText): PlainText {
  const ready = stock.get(rt.name)?.[d]?.pop();
  if (ready && sameLevel(ready, like)) return ready;
  ready?.delete();
  return encodeFactors(rt, d, like);
}

let filling = false;
/** Until when filling waits: a worker's jobs hold it back (holdFilling), so that it runs only while the worker is idle. */
let quietUntil = 0;

/**
 * Holds the filling back for `ms` from now: called by the worker for every job, so that encoding
 * ahead (about 74 ms a worker at n16384) runs in idle time, not between a session's rounds, whose
 * shares wait for the worker and whose threads share the cores with it.
 */
export function holdFilling(ms: number): void {
  quietUntil = Math.max(quietUntil, Date.now() + ms);
}

/**
 * Encodes factors ahead for `paramSet`, one plaintext per turn of the event loop, until every term has
 * AHEAD. A SEAL failure here is thrown out of the worker, which the pool then replaces (its heap is suspect).
 */
export function fillCheckFactors(paramSet: ParamSetName): void {
  if (filling) return;
  filling = true;
  const fail = (e: unknown): void => {
    setImmediate(() => {
      throw e;
    });
  };
  const step = async (): Promise<void> => {
    const wait = quietUntil - Date.now();
    if (wait > 0) {
      setTimeout(() => void step().catch(fail), wait);
      return;
    }
    const rt = await ckks(paramSet);
    const terms = stock.get(paramSet) ?? Array.from({ length: CLASSES }, () => []);
    stock.set(paramSet, terms);
    const d = terms.findIndex((t) => t.length < AHEAD);
    if (d < 0) {
      filling = false;
      return;
    }
    terms[d].push(encodeFactors(rt, d));
    setImmediate(() => void step().catch(fail));
  };
  setImmediate(() => void step().catch(fail));
}

/** Plaintexts ready for `paramSet` (for tests). */
export function checkFactorsAhead(paramSet: ParamSetName): number {
  return (stock.get(paramSet) ?? []).reduce((n, t) => n + t.length, 0);
}
