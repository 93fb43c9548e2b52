/**
 * A promise wrapper over one sqlite3 connection. Statements and transactions take turns on the
 * connection, so no statement can slip between another caller's BEGIN and COMMIT.
 */
import sqlite3 from 'sqlite3';

export type Params = (string | number | null | Buffer)[];

const MAX_STATEMENTS = 200;

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
  private writes = 0;

  /**
   * Writes issued through this connection so far (run, exec, transactions), counted when issued: a
   * read issued later queues behind them and sees them, so a reader that kept a row may serve it
   * again while this number has not moved (enclave/jobs/job-heads.ts).
   */
  get writeCount(): number {
    return this.writes;
  }

  private constructor(private readonly raw: sqlite3.Database) {}

  static open(file: string): Promise<Db> {
    return new Promise((resolve, reject) => {
      const raw = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(new Db(raw))));
    });
  }

  /**
   * Prepared statements by SQL text, reused rather than compiled again for every call (the service
   * runs a few dozen distinct statements; the cap bounds the queries built from variable filters).
   * A statement is handed out only once it prepared: sqlite3 drops the calls queued on one that
   * failed to prepare without answering them, so the error must come from the preparation itself.
   */
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();

  private statement(sql: string): Promise<sqlite3.Statement> {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= MAX_STATEMENTS) {
        const [oldest, evicted] = this.statements.entries().next().value as [string, Promise<sqlite3.Statement>];
        this.statements.delete(oldest);
        evicted.then((s) => s.finalize()).catch(() => undefined);
      }
      statement = new Promise<sqlite3.Statement>((resolve, reject) => {
        const prepared = this.raw.prepare(sql, (err) => {
          if (!err) return resolve(prepared);
          this.statements.delete(sql);
          reject(err);
        });
      });
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private direct: Queries = {
    run: async (sql, params = []) => {
      const statement = await this.statement(sql);
      return new Promise((resolve, reject) => {
        statement.run(params, function (err) {
          if (err) reject(err);
          else resolve({ lastID: this.lastID, changes: this.changes });
        });
      });
    },
    get: async <T>(sql: string, params: Params = []) => {
      const statement = await this.statement(sql);
      // Run to its end rather than stopped after the first row: a statement left mid-way would hold its
      // read snapshot open until reset, another trip to sqlite3's thread pool. Every `get` in the
      // service is a lookup of one row, so reading to the end costs nothing more.
      return new Promise<T | undefined>((resolve, reject) => {
        statement.all<T>(params, (err, rows) => (err ? reject(err) : resolve(rows[0])));
      });
    },
    all: async <T>(sql: string, params: Params = []) => {
      const statement = await this.statement(sql);
      return new Promise<T[]>((resolve, reject) => {
        statement.all<T>(params, (err, rows) => (err ? reject(err) : resolve(rows)));
      });
    },
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
    this.writes++;
    return this.exclusive(() => this.direct.run(sql, params));
  }

  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.exclusive(() => this.direct.get<T>(sql, params));
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.exclusive(() => this.direct.all<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    this.writes++;
    return this.exclusive(() => new Promise((resolve, reject) => this.raw.exec(sql, (err) => (err ? reject(err) : resolve()))));
  }

  /** Runs `work` between BEGIN IMMEDIATE and COMMIT, rolling back if it throws. */
  transaction<T>(work: (q: Queries) => Promise<T>): Promise<T> {
    this.writes++;
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

  async close(): Promise<void> {
    const prepared = await Promise.all([...this.statements.values()].map((statement) => statement.catch(() => undefined)));
    await Promise.all(prepared.map((statement) => new Promise<void>((resolve) => (statement ? statement.finalize(() => resolve()) : resolve()))));
    this.statements.clear();
    return new Promise((resolve, reject) => this.raw.close((err) => (err ? reject(err) : resolve())));
  }
}
