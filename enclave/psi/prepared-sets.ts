/**
 * Blinded platform sets made ahead of PSI sessions. Blinding the dataset's own ids is a quarter of
 * a session's X25519 work and needs nothing from the bank, so the enclave does it while idle: after
 * an import, at start, and when the session that took the last set is over (not while it runs,
 * where it would take cores from the session's own work). Each set has its own
 * fresh scalar and nonce and is handed to one session only; a set made from an older snapshot is
 * thrown away. Sets live in memory only, like a session's secrets.
 */
import { BackgroundGroup, BlindPool } from '../../lab/psi/blind-pool';
import { chunkRanges } from '../../lab/psi/points';
import { datasetVersion, getDatasetMeta, listDatasets } from '../data/datasets';
import { Db } from '../store/db';
import { PlatformSide, makePlatformSide } from './platform-side';

/** A set being made: a session may take it before it is done, and then waits for its blinded points instead of blinding them twice. */
interface Making {
  side?: PlatformSide;
  /** Settles once `side` is set (its ids read and shuffled, its points on their way), or the making ended without one. */
  sided: Promise<void>;
  taken: boolean;
  done: Promise<void>;
}

export class PreparedSets {
  private readonly ready = new Map<string, PlatformSide>();
  private readonly making = new Map<string, Making>();
  private stopped = false;

  /**
   * `maxIds`: datasets larger than this are blinded when a session asks, not held ahead (0 turns
   * preparing off); `chunkPoints`: the points of one request, the unit a session waits for.
   */
  constructor(
    private readonly db: Db,
    private readonly pool: BlindPool,
    private readonly maxIds: number,
    private readonly chunkPoints: number,
  ) {}

  /** Starts making the dataset's next set unless one for its current snapshot is ready or on its way; resolves when that is done. */
  prepare(dataset: string): Promise<void> {
    if (this.maxIds <= 0 || this.stopped) return Promise.resolve();
    const running = this.making.get(dataset);
    if (running) return running.done;
    let sided = (): void => undefined;
    const entry: Making = { taken: false, sided: new Promise<void>((resolve) => (sided = resolve)), done: Promise.resolve() };
    entry.done = this.make(dataset, entry, sided)
      // A set that could not be made (the enclave stopping, the dataset gone) is made when a session asks.
      .catch(() => undefined)
      .finally(() => {
        sided();
        this.making.delete(dataset);
      });
    this.making.set(dataset, entry);
    return entry.done;
  }

  /** Every dataset's set, one after the other (at start). */
  async prepareAll(): Promise<void> {
    for (const meta of await listDatasets(this.db)) await this.prepare(meta.name);
  }

  private async make(dataset: string, entry: Making, sided: () => void): Promise<void> {
    const meta = await getDatasetMeta(this.db, dataset);
    if (!meta || meta.rows > this.maxIds) return;
    const version = await datasetVersion(this.db, meta);
    if (this.ready.get(dataset)?.version === version) return;
    const side = await makePlatformSide(this.db, meta, version);
    const group = new BackgroundGroup();
    side.group = group;
    side.blinded = chunkRanges(side.platformIds.length, this.chunkPoints).map(({ from, to }) => this.pool.hashAndBlind(side.domain, side.platformIds.slice(from, to), side.scalar, undefined, group));
    entry.side = side;
    sided();
    await Promise.all(side.blinded);
    if (!this.stopped && !entry.taken) this.ready.set(dataset, side);
  }

  /** The set made for the dataset's current snapshot, ready or still being made: it leaves here for good (the session's end starts the next). */
  async take(dataset: string, version: string): Promise<PlatformSide | undefined> {
    // A set begun a moment ago (a session opened right after an import) is worth the wait of reading its ids, not a second blinding.
    const begun = this.making.get(dataset);
    if (begun && !begun.side) await begun.sided;
    const ready = this.ready.get(dataset);
    if (ready) {
      this.ready.delete(dataset);
      return ready.version === version ? ready : undefined;
    }
    const making = this.making.get(dataset);
    if (making?.side?.version === version && !making.taken) {
      making.taken = true;
      // A session waits for it now: the rest goes at a session's priority, chunk by chunk.
      this.pool.promote(making.side.group!);
      return making.side;
    }
    return undefined;
  }

  stop(): void {
    this.stopped = true;
    this.ready.clear();
  }
}
