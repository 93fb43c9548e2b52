/**
 * The platform's columnar copies: one DuckDB file per dataset's latest snapshot in a folder beside
 * the SQLite file, attached read-only to an in-memory DuckDB of the enclave for reads. SQLite stays
 * the record (the service's state and every dataset's rows); a copy is used only when its name and
 * manifest match the snapshot SQLite calls the latest.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MISSING_LEVEL } from '../../models/encoding';
import type { ColumnSummary } from '../release/population';
import type { Db } from '../store/db';
import { DuckConnection, DuckDbApi, DuckInstance, failureKind, ownFailure } from './duckdb-api';
import { Manifest, SnapshotWriter, StoredColumn } from './snapshot-writer';

/** A copy's file name: the dataset, the snapshot's version and the start of its content digest. */
const FINAL = /^(.+)@(\d+)-([0-9a-f]{16})\.duckdb$/;
/** A copy being written: the writing process's id, so a later start can tell it was left by one that died. */
const TEMPORARY = /^\.(.+)@(\d+)\.(\d+)\.tmp\.duckdb(\.wal)?$/;

/** DuckDB's folder for what a large join or sort spills, inside the store's private folder. */
const SPILL = '.spill';

const finalName = (dataset: string, version: number, digest: string): string => `${dataset}@${version}-${digest.slice(0, 16)}.duckdb`;

/** The columns a job reads, for the enterprises it asks about, from one snapshot's copy. */
export interface ColumnarRead {
  manifest: Manifest;
  /** Cells as SQLite holds them for the reading rules (numbers in their shortest form where the text was that), by id. */
  byId: Map<string, string[]>;
  /** Whole-table summaries of the named columns, each read as the job's frame typed it. */
  summaries(columns: { name: string; kind: 'numeric' | 'categorical' }[]): Promise<ColumnSummary[]>;
}

interface Attachment {
  alias: string;
  manifest: Manifest;
  users: number;
  /** Superseded or dropped while in use: detached when the last reader is done. */
  stale: boolean;
}

export class ColumnarStore {
  private readonly attached = new Map<string, Promise<Attachment>>();
  private aliases = 0;

  private constructor(
    private readonly api: DuckDbApi,
    readonly dir: string,
    private readonly instance: DuckInstance,
    private readonly log: (line: string) => void,
  ) {}

  /** A line for the enclave's log (names of datasets and files, never a value). */
  logLine(line: string): void {
    this.log(line);
  }

  /** The store beside `dbFile`: a private folder, and an in-memory DuckDB that attaches the copies. */
  static async open(api: DuckDbApi, dbFile: string, log: (line: string) => void): Promise<ColumnarStore> {
    const dir = `${dbFile}.columnar`;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Two threads (the machine's cores are shared with the service) and a bounded buffer pool.
    // Spills go to a folder of the store's own (private, emptied at start), never the working directory.
    const spill = join(dir, SPILL);
    await rm(spill, { recursive: true, force: true });
    mkdirSync(spill, { mode: 0o700 });
    const instance = await api.DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB', temp_directory: spill });
    return new ColumnarStore(api, dir, instance, log);
  }

  /** A writer for the next snapshot's copy, into a temporary file of this process. */
  async writer(dataset: string, version: number, columns: StoredColumn[]): Promise<SnapshotWriter> {
    const tmpFile = join(this.dir, `.${dataset}@${version}.${process.pid}.tmp.duckdb`);
    await rm(tmpFile, { force: true });
    await rm(`${tmpFile}.wal`, { force: true });
    const connection = await this.instance.connect();
    const alias = `w${++this.aliases}`;
    await connection.run(`ATTACH '${tmpFile}' AS ${alias}`);
    await connection.run(`CREATE TABLE ${alias}.platform (row INTEGER, id VARCHAR, ${columns.map((c, j) => `c${j} ${c.type === 'numeric' ? 'DOUBLE' : 'VARCHAR'}`).join(', ')})`);
    await connection.run(`CREATE TABLE ${alias}.texts (row INTEGER, col INTEGER, text VARCHAR)`);
    await connection.run(`CREATE TABLE ${alias}.manifest (manifest VARCHAR)`);
    const platform = await connection.createAppender('platform', 'main', alias);
    const texts = await connection.createAppender('texts', 'main', alias);
    return new SnapshotWriter(this.api, connection, alias, tmpFile, platform, texts, dataset, version, columns);
  }

  /** Makes a finished writer's file the snapshot's copy (SQLite has committed the snapshot), and drops the dataset's older copies. */
  async publish(writer: SnapshotWriter, digest: string): Promise<void> {
    await writer.finish(digest);
    const name = finalName(writer.dataset, writer.version, digest);
    await rename(writer.tmpFile, join(this.dir, name));
    await this.drop(writer.dataset, { name, version: writer.version });
  }

  /** Removes the dataset's copies but `keep` (a new snapshot supersedes them; a deleted dataset keeps none). */
  async drop(dataset: string, keep?: { name: string; version: number }): Promise<void> {
    for (const name of await readdir(this.dir)) {
      const m = FINAL.exec(name);
      // A copy written for a later snapshot than `keep` (a rebuild that finished late) is not this one's to remove.
      if (!m || m[1] !== dataset || name === keep?.name || (keep && Number(m[2]) > keep.version)) continue;
      const held = this.attached.get(name);
      if (held) {
        const a = await held.catch(() => undefined);
        if (a) {
          a.stale = true;
          if (a.users === 0) await this.detach(name, a);
        }
      }
      await rm(join(this.dir, name), { force: true });
      await rm(join(this.dir, `${name}.wal`), { force: true });
    }
  }

  /**
   * At start: removes temporary files of processes that died mid-import, and copies that are not
   * the latest snapshot of a dataset SQLite holds (superseded, deleted, or written for an import
   * that never committed). Returns the latest snapshots that have no copy.
   */
  async sweep(db: Db): Promise<{ dataset: string; version: number; digest: string }[]> {
    const latest = await db.all<{ name: string; snapshot: number; digest: string | null }>(
      'SELECT d.name, d.snapshot, s.digest FROM datasets d JOIN dataset_snapshots s ON s.dataset = d.name AND s.version = d.snapshot',
    );
    const wanted = new Map(latest.filter((r) => r.digest).map((r) => [finalName(r.name, r.snapshot, r.digest!), r]));
    const present = new Set<string>();
    for (const name of await readdir(this.dir)) {
      if (name === SPILL) continue;
      const tmp = TEMPORARY.exec(name);
      if (tmp) {
        // This process's own pid counts as dead: the sweep runs when the store opens, before any import of
        // this process, so such a file is a dead process's whose pid came back (a container's PID 1).
        const pid = Number(tmp[3]);
        if (pid === process.pid || !alive(pid)) await rm(join(this.dir, name), { force: true });
        continue;
      }
      const base = name.endsWith('.wal') ? name.slice(0, -4) : name;
      if (wanted.has(base)) present.add(base);
      else await rm(join(this.dir, name), { force: true });
    }
    return [...wanted].filter(([name]) => !present.has(name)).map(([, r]) => ({ dataset: r.name, version: r.snapshot, digest: r.digest! }));
  }

  /**
   * Reads `columns` of the enterprises `ids` from the copy of the given snapshot; undefined when
   * there is no whole copy of exactly that snapshot (the caller reads SQLite's rows instead).
   */
  async read<T>(snapshot: { dataset: string; version: number; digest: string | null }, columns: string[], ids: readonly string[], use: (read: ColumnarRead) => Promise<T>): Promise<T | undefined> {
    if (!snapshot.digest) return undefined;
    const name = finalName(snapshot.dataset, snapshot.version, snapshot.digest);
    if (!this.attached.has(name) && !existsSync(join(this.dir, name))) return undefined;
    const attachment = await this.attach(name, snapshot.digest);
    if (!attachment) return undefined;
    const connection = await this.instance.connect();
    try {
      const { manifest, alias } = attachment;
      const positions = columns.map((c) => manifest.columns.findIndex((m) => m.name === c));
      if (positions.some((p) => p < 0)) return undefined;
      let byId: Map<string, string[]>;
      try {
        byId = await joinedCells(connection, alias, manifest, positions, ids);
      } catch (e) {
        // A copy DuckDB cannot read is not a reason to fail the job: SQLite's rows answer instead.
        this.log(`columnar copy ${name} not read: ${failureKind(e)}`);
        return undefined;
      }
      return await use({ manifest, byId, summaries: (wanted) => summaries(connection, alias, manifest, wanted) });
    } finally {
      connection.closeSync();
      attachment.users--;
      if (attachment.stale && attachment.users === 0) await this.detach(name, attachment);
    }
  }

  private async attach(name: string, digest: string): Promise<Attachment | undefined> {
    let pending = this.attached.get(name);
    if (!pending) {
      pending = (async () => {
        const connection = await this.instance.connect();
        try {
          const alias = `s${++this.aliases}`;
          await connection.run(`ATTACH '${join(this.dir, name)}' AS ${alias} (READ_ONLY)`);
          const rows = (await connection.runAndReadAll(`SELECT manifest FROM ${alias}.manifest`)).getRowsJS();
          const manifest = JSON.parse(String(rows[0]?.[0] ?? 'null')) as Manifest | null;
          if (!manifest || manifest.digest !== digest) {
            await connection.run(`DETACH ${alias}`);
            throw ownFailure('its manifest names another snapshot');
          }
          return { alias, manifest, users: 0, stale: false };
        } finally {
          connection.closeSync();
        }
      })();
      this.attached.set(name, pending);
    }
    try {
      const a = await pending;
      if (a.stale) return undefined;
      a.users++;
      return a;
    } catch (e) {
      this.attached.delete(name);
      // Said without a value: DuckDB's messages name files and tables, never cells.
      this.log(`columnar copy ${name} not used: ${failureKind(e)}`);
      return undefined;
    }
  }

  private async detach(name: string, a: Attachment): Promise<void> {
    this.attached.delete(name);
    const connection = await this.instance.connect();
    try {
      await connection.run(`DETACH ${a.alias}`).catch(() => undefined);
    } finally {
      connection.closeSync();
    }
  }

  close(): void {
    this.attached.clear();
    this.instance.closeSync();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A stored numeric double as the text SQLite kept, where no text override says otherwise. */
const numberText = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** The named columns' cells of the wanted ids that the snapshot holds, by id: a join inside DuckDB, only these columns. */
async function joinedCells(connection: DuckConnection, alias: string, manifest: Manifest, positions: number[], ids: readonly string[]): Promise<Map<string, string[]>> {
  await connection.run('CREATE TEMP TABLE wanted (id VARCHAR)');
  const appender = await connection.createAppender('wanted', 'main', 'temp');
  for (const id of new Set(ids)) {
    appender.appendVarchar(id);
    appender.endRow();
  }
  appender.closeSync();
  const byId = new Map<string, string[]>();
  if (positions.length === 0) {
    const found = (await connection.runAndReadAll(`SELECT p.id FROM temp.wanted w JOIN ${alias}.platform p ON p.id = w.id`)).getColumnsJS();
    for (const id of (found[0] ?? []) as string[]) byId.set(id, []);
    return byId;
  }
  const columns = (await connection.runAndReadAll(`SELECT p.id, ${positions.map((j) => `p.c${j}`).join(', ')} FROM temp.wanted w JOIN ${alias}.platform p ON p.id = w.id`)).getColumnsJS();
  // A result without rows has no columns at all (none of the ids is on the platform).
  const idColumn = (columns[0] ?? []) as string[];
  const numeric = positions.map((j) => manifest.columns[j].type === 'numeric');
  for (let i = 0; i < idColumn.length; i++) {
    byId.set(
      idColumn[i],
      positions.map((_, k) => {
        const v = columns[k + 1][i];
        return numeric[k] ? numberText(v) : v === null ? '' : String(v);
      }),
    );
  }
  const numericPositions = positions.filter((_, k) => numeric[k]);
  if (numericPositions.length) {
    const texts = (
      await connection.runAndReadAll(
        `SELECT p.id, t.col, t.text FROM temp.wanted w JOIN ${alias}.platform p ON p.id = w.id JOIN ${alias}.texts t ON t.row = p.row WHERE t.col IN (${numericPositions.join(', ')})`,
      )
    ).getRowsJS() as [string, number, string][];
    for (const [id, col, text] of texts) {
      positions.forEach((j, k) => {
        if (j === col) byId.get(id)![k] = text;
      });
    }
  }
  return byId;
}

/** Whole-table summaries as release/population.ts summarizeColumn counts them from cells. */
async function summaries(connection: DuckConnection, alias: string, manifest: Manifest, wanted: { name: string; kind: 'numeric' | 'categorical' }[]): Promise<ColumnSummary[]> {
  const out: ColumnSummary[] = [];
  for (const { name, kind } of wanted) {
    const j = manifest.columns.findIndex((c) => c.name === name);
    const stored = manifest.columns[j];
    if (kind === 'numeric' && stored.type === 'numeric') {
      const f = manifest.numeric[name];
      out.push({ name, kind: 'numeric', cells: f.cells, count: f.count, sum: Number(f.sum), squares: Number(f.squares), flag: f.flag });
      continue;
    }
    const counts = new Map<string, number>();
    const add = (level: string, n: number): void => {
      counts.set(level, (counts.get(level) ?? 0) + n);
    };
    if (stored.type === 'categorical') {
      const rows = (await connection.runAndReadAll(`SELECT c${j}, count(*) FROM ${alias}.platform GROUP BY c${j}`)).getRowsJS() as [string | null, bigint][];
      for (const [level, n] of rows) add(level === null ? MISSING_LEVEL : level, Number(n));
    } else {
      // A numeric column that the job's rows typed as categories (none of them had a number): its levels are the cells' texts.
      const rows = (
        await connection.runAndReadAll(`SELECT p.c${j}, count(*) FROM ${alias}.platform p ANTI JOIN (SELECT row FROM ${alias}.texts WHERE col = ${j}) t ON t.row = p.row GROUP BY p.c${j}`)
      ).getRowsJS() as [number | null, bigint][];
      for (const [v, n] of rows) add(v === null ? MISSING_LEVEL : String(v), Number(n));
      const texts = (await connection.runAndReadAll(`SELECT text, count(*) FROM ${alias}.texts WHERE col = ${j} GROUP BY text`)).getRowsJS() as [string, bigint][];
      for (const [text, n] of texts) add(text, Number(n));
    }
    out.push({ name, kind: 'categorical', counts });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}
