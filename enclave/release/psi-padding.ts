/**
 * How many enterprises a PSI session says the platform holds. The blinded platform set goes to the
 * bank whole, so its length would tell the bank the dataset's exact size, and two sessions either
 * side of a new snapshot the exact number of enterprises that came or went (the rounded counts of
 * `dataset snapshots` would be undone). The set is padded with points of no enterprise up to the
 * next multiple of PAD_GRID plus a keyed amount below PAD_GRID: the same snapshot always shows the
 * same length (asking again averages nothing away), another snapshot an unrelated one.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const PAD_GRID = 1000;

/** Prefix of padding ids, which end in 128 random bits: a pad equals an enterprise's id by chance alone (2^-128), and a match on one is dropped. */
export const PAD_PREFIX = '\u0000pad:';

export function paddedPlatformSize(n: number, secret: Buffer, datasetVersion: string): number {
  const digest = createHmac('sha256', secret).update(`psi-padding|${datasetVersion}`).digest();
  const extra = digest.readUInt32BE(0) % PAD_GRID;
  return Math.ceil(n / PAD_GRID) * PAD_GRID + extra;
}

export const isPad = (id: string): boolean => id.startsWith(PAD_PREFIX);

/** `count` padding ids, fresh for each session: hashed and blinded like ids, they are points no bank id can meet. */
export function padIds(count: number): string[] {
  return Array.from({ length: count }, () => PAD_PREFIX + randomBytes(16).toString('hex'));
}
