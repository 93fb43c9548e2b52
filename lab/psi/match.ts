/** Finding equal double-blinded points between two packed lists, by a set of their leading bytes. */
import { POINT_BYTES } from './x25519';

/**
 * 16 leading bytes (128 bits) key each point: among a million against a million, the chance of any
 * accidental collision is about 2^-88, while the keys take half the memory of whole points.
 */
const KEY_WORDS = 4;
const REST_WORDS = KEY_WORDS - 1;

/** The `word`-th little-endian 32-bit word of the point at byte `at` (bodies off the wire need not be aligned). */
function wordAt(packed: Uint8Array, at: number, word: number): number {
  const b = at + 4 * word;
  return packed[b] | (packed[b + 1] << 8) | (packed[b + 2] << 16) | (packed[b + 3] << 24);
}

/**
 * A set of points by their keys, in typed arrays: open addressing on the key's first word (the points
 * are uniformly random, so it needs no further hashing), at most half full. Each slot holds its entry
 * and the entry's first key word side by side, so a probe reads one cache line and the rest of a key
 * only when that word agrees. A million points take 28 MB and no objects: a set of key strings took a
 * string a point, about three times the CPU (measured here) and much of a session's garbage collection.
 */
export class PointSet {
  /** Key words 1 to 3 of each entry, in the order added. */
  private rest: Int32Array;
  /** Per slot: entry index + 1 (0 is empty), then the entry's first key word. */
  private slots: Int32Array;
  private count = 0;

  constructor(expected = 1024) {
    this.rest = new Int32Array(Math.max(1, expected) * REST_WORDS);
    this.slots = new Int32Array(2 * slotsFor(expected));
  }

  get size(): number {
    return this.count;
  }

  /** Adds every point of a packed list (a point already present is not added twice). */
  addAll(packed: Uint8Array): void {
    for (let at = 0; at < packed.length; at += POINT_BYTES) this.add(packed, at);
  }

  /** Positions in `packed` whose point is in the set. */
  positionsIn(packed: Uint8Array): number[] {
    const out: number[] = [];
    for (let i = 0, at = 0; at < packed.length; i++, at += POINT_BYTES) if (this.find(packed, at) >= 0) out.push(i);
    return out;
  }

  /** Adds the point at byte `at` of a packed list, unless it is there already. */
  add(packed: Uint8Array, at: number): void {
    if (4 * (this.count + 1) > this.slots.length) this.grow();
    const slot = this.find(packed, at);
    if (slot >= 0) return;
    if ((this.count + 1) * REST_WORDS > this.rest.length) {
      const more = new Int32Array(this.rest.length * 2);
      more.set(this.rest);
      this.rest = more;
    }
    const entry = this.count++;
    for (let w = 0; w < REST_WORDS; w++) this.rest[entry * REST_WORDS + w] = wordAt(packed, at, w + 1);
    this.slots[2 * (-slot - 1)] = entry + 1;
    this.slots[2 * (-slot - 1) + 1] = wordAt(packed, at, 0);
  }

  /** The slot holding the point (>= 0), or -(the empty slot where it would go) - 1. */
  private find(packed: Uint8Array, at: number): number {
    const { slots, rest } = this;
    const mask = slots.length / 2 - 1;
    const w0 = wordAt(packed, at, 0);
    for (let slot = w0 & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[2 * slot];
      if (entry === 0) return -slot - 1;
      if (slots[2 * slot + 1] !== w0) continue;
      const k = (entry - 1) * REST_WORDS;
      if (rest[k] === wordAt(packed, at, 1) && rest[k + 1] === wordAt(packed, at, 2) && rest[k + 2] === wordAt(packed, at, 3)) return slot;
    }
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length / 2 - 1;
    for (let old = 0; old < this.slots.length; old += 2) {
      if (this.slots[old] === 0) continue;
      let slot = this.slots[old + 1] & mask;
      while (slots[2 * slot] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = this.slots[old];
      slots[2 * slot + 1] = this.slots[old + 1];
    }
    this.slots = slots;
  }
}

/** A power of two at least twice `expected`, so the table starts at most half full. */
function slotsFor(expected: number): number {
  let slots = 16;
  while (slots < 2 * expected) slots *= 2;
  return slots;
}
