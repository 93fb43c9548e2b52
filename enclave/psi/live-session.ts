/**
 * A PSI session's state while it runs, in memory only: the enclave's secret scalar, its dataset's
 * ids in a shuffled order, and keys of the bank's double-blinded points. None of it is written to
 * the database, and the scalar and the bank's points are dropped as soon as the sets are matched.
 */
import { JointlabError } from '../../lab/errors';
import type { BackgroundGroup } from '../../lab/psi/blind-pool';
import type { PointSet } from '../../lab/psi/match';
import { chunkRanges } from '../../lab/psi/points';

/** Which chunks of one direction arrived (or are arriving), each accepted once. */
export class ChunkLedger {
  readonly ranges: { from: number; to: number }[];
  private readonly done = new Set<number>();
  private readonly busy = new Set<number>();

  constructor(count: number, size: number) {
    this.ranges = chunkRanges(count, size);
  }

  /** The chunk's range, claimed for this request; a chunk done or in flight is a 409. */
  claim(index: number, what: string): { from: number; to: number } {
    const range = this.range(index, what);
    if (this.done.has(index) || this.busy.has(index)) throw new JointlabError('psi_chunk_done', `${what} chunk ${index} was sent already`, 'conflict');
    this.busy.add(index);
    return range;
  }

  range(index: number, what: string): { from: number; to: number } {
    if (!Number.isInteger(index) || index < 0 || index >= this.ranges.length) {
      throw new JointlabError('psi_no_chunk', `${what} chunks are numbered 0 to ${this.ranges.length - 1}`, 'usage');
    }
    return this.ranges[index];
  }

  settle(index: number, ok: boolean): void {
    this.busy.delete(index);
    if (ok) this.done.add(index);
  }

  get complete(): boolean {
    return this.done.size === this.ranges.length;
  }

  get points(): number {
    let n = 0;
    for (const i of this.done) n += this.ranges[i].to - this.ranges[i].from;
    return n;
  }
}

export interface LiveSession {
  id: string;
  org: string;
  owner: string;
  dataset: string;
  nonce: string;
  domain: string;
  points: number;
  /** The dataset's size when the session opened. */
  platformCount: number;
  createdAt: string;
  touchedAt: number;
  /** Dropped once matched: nothing blinded under it can be answered after that. */
  scalar?: Buffer;
  /** The dataset's ids in the order the enclave's blinded set is sent. */
  platformIds: string[];
  /** Their blinded points, when the set was made (or is being made) ahead of the session (prepared-sets.ts); dropped once matched. */
  platformBlinded?: Promise<Buffer>[];
  /** The background work making `platformBlinded`, cancelled when the session ends before it is done. */
  platformGroup?: BackgroundGroup;
  /** The bank's points, then the bank's re-blinded copy of the platform set. */
  bankChunks: ChunkLedger;
  platformReturned: ChunkLedger;
  /** Times each platform chunk was served: a retry is fine, a loop that burns the enclave's cores is not. */
  platformServed: Uint8Array;
  /** Keys (lab/psi/match.ts) of (H(y)^b)^e for the bank's points; dropped once matched. */
  bankKeys?: PointSet;
  /** The dataset's ids whose double-blinded point is among the bank's: grows as the platform set comes back. */
  matched: Set<string>;
  state: 'open' | 'matched';
}
