/**
 * The hold-out of a network job, decided by each enterprise's id alone (a keyed hash of seed and id),
 * so that every province, and anyone checking against the pooled rows, puts the same rows in test.
 */
import { createHash } from 'node:crypto';

export function isTestRow(id: string, seed: number, testFraction: number): boolean {
  const digest = createHash('sha256').update(`jointlab-network-split\0${seed}\0${id}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < testFraction;
}
