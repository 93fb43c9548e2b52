/** A uniformly random permutation from the system's random source, so that the order of blinded points says nothing about the ids. */
import { randomBytes } from 'node:crypto';

/**
 * Fisher-Yates over 0..n-1. Each swap draws 48 random bits and reduces them modulo i + 1: the bias is
 * below (i + 1) / 2^48, under 2^-27 for ten million items, far below anything a peer could observe.
 */
export function randomPermutation(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const pool = randomBytes(6 * Math.max(1, n));
  for (let i = n - 1; i > 0; i--) {
    const j = pool.readUIntBE(6 * i, 6) % (i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export function permute<T>(items: readonly T[], order: Uint32Array): T[] {
  const out = new Array<T>(items.length);
  for (let i = 0; i < order.length; i++) out[i] = items[order[i]];
  return out;
}
