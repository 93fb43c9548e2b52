/**
 * A promise wrapper over one sqlite3 connection. Statements and transactions take turns on the
 * connection, so no statement can slip between another caller's BEGIN and COMMIT.
 */
import sqlite3 from 'sqlite3';

export type Params = (string | number | null | Buffer)[];

export interface RunResult {
  lastID: number;
  changes: number;
}

export interface Queries {
  run(sql: string, params?: Params): Promise<RunResult>;
  get<T>(sql: string, params?: Params): Promise<T | undefined>;
  all<T>(sql: string, params?: Params): Promise<T[]>;
}

export class Db implements Queries {
  private lock: Promise<void> = Promise.resolve();

  private constructor(private readonly raw: sqlite3.Database) {}

  static open(file: string): Promise<Db> {
    return new Promise((resolve, reject) => {
      const raw = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(new Db(raw))));
    });
  }

  private direct: Queries = {
    run: (sql, params = []) =>
      new Promise((resolve, reject) => {
        this.raw.run(sql, params, function (err) {
          if (err) reject(err);
          else resolve({ lastID: this.lastID, changes: this.changes });
        });
      }),
    get: <T>(sql: string, params: Params = []) =>
      new Promise<T | undefined>((resolve, reject) => {
        this.raw.get<T>(sql, params, (err, row) => (err ? reject(err) : resolve(row)));
      }),
    all: <T>(sql: string, params: Params = []) =>
      new Promise<T[]>((resolve, reject) => {
        this.raw.all<T>(sql, params, (err, rows) => (err ? reject(err) : resolve(rows)));
      }),
  };

  /** Runs `work` alone on the connection: statements and transactions queue one after another. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.lock.then(work);
    this.lock = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  run(sql: string, params?: Params): Promise<RunResult> {
    return this.exclusive(() => this.direct.run(sql, params));
  }

  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.exclusive(() => this.direct.get<T>(sql, params));
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.exclusive(() => this.direct.all<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.exclusive(() => new Promise((resolve, reject) => this.raw.exec(sql, (err) => (err ? reject(err) : resolve()))));
  }

  /** Runs `work` between BEGIN IMMEDIATE and COMMIT, rolling back if it throws. */
  transaction<T>(work: (q: Queries) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.direct.run('BEGIN IMMEDIATE');
      try {
        const result = await work(this.direct);
        await this.direct.run('COMMIT');
        return result;
      } catch (e) {
        await this.direct.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.raw.close((err) => (err ? reject(err) : resolve())));
  }
}
