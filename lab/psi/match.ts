/** Finding equal double-blinded points between two packed lists, by a set of their leading bytes. */
import { POINT_BYTES } from './x25519';

/**
 * 16 leading bytes (128 bits) key each point: among a million against a million, the chance of any
 * accidental collision is about 2^-88, while the keys take half the memory of whole points.
 */
const KEY_BYTES = 16;

export function pointKeys(packed: Buffer): Set<string> {
  const keys = new Set<string>();
  for (let at = 0; at < packed.length; at += POINT_BYTES) keys.add(packed.toString('latin1', at, at + KEY_BYTES));
  return keys;
}

/** Positions in `packed` whose point is among `keys`. */
export function matchingPositions(packed: Buffer, keys: Set<string>): number[] {
  const out: number[] = [];
  for (let i = 0, at = 0; at < packed.length; i++, at += POINT_BYTES) if (keys.has(packed.toString('latin1', at, at + KEY_BYTES))) out.push(i);
  return out;
}
