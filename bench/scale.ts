/**
 * `npm run bench -- scale [enterprises...]`: a platform table of synthetic enterprises (30 columns)
 * streamed to a CSV file, imported through the enclave's import function into SQLite, then the
 * plaintext work of a joint job for a bank of 200,000 customers (reading their joined rows, a
 * logistic regression and a scorecard) and a scoring request for 10,000 ids; wall time and the peak
 * resident memory of this process (which runs the enclave's code) for each step.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvCell } from '../lab/data/csv';
import { enterpriseRows, PLATFORM_COLUMNS } from '../lab/synth/generate';
import { datasetCells, importDataset } from '../enclave/data/datasets';
import { openStore } from '../enclave/store/schema';
import { families } from '../models';
import { Frame } from '../models/frame';
import { Random } from '../models/random';
import { sigmoid } from '../models/linalg';
import type { Principal } from '../lab/api/principals';

const BANK_CUSTOMERS = 200_000;
const SCORING_IDS = 10_000;
/** The import path's own limit on rows in one upload (enclave/data/csv-import.ts CSV_LIMITS). */
const IMPORT_MAX_ROWS = 2_000_000;

interface Step {
  seconds: number;
  /** CPU seconds of this process, all threads (SQLite works in libuv's pool): on a shared machine, steadier than wall time. */
  cpuSeconds: number;
  peakMb: number;
}

/** Runs `work`, sampling this process's resident memory every 50 ms; the peak over the step. */
async function measured<T>(work: () => Promise<T> | T): Promise<[T, Step]> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    const cpu = process.cpuUsage(cpuStarted);
    return [result, { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakMb: peak / 2 ** 20 }];
  } finally {
    clearInterval(timer);
  }
}

/** Streams `count` enterprises to a CSV file, 10,000 rows a write; returns their ids in file order. */
function writePlatform(path: string, count: number): string[] {
  const fd = openSync(path, 'w');
  const ids: string[] = [];
  try {
    writeSync(fd, PLATFORM_COLUMNS.map(csvCell).join(',') + '\n');
    let chunk: string[] = [];
    for (const row of enterpriseRows(count, 7)) {
      ids.push(String(row[0]));
      chunk.push(row.map(csvCell).join(','));
      if (chunk.length === 10_000) {
        writeSync(fd, chunk.join('\n') + '\n');
        chunk = [];
      }
    }
    if (chunk.length) writeSync(fd, chunk.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  return ids;
}

/** The numeric columns' cells as a frame (empty cells missing), in the order of `ids`. */
function numericFrame(byId: Map<string, string[]>, names: string[], ids: string[]): Frame {
  const columns = names.map((name) => ({ name, kind: 'numeric' as const, values: new Float64Array(ids.length) }));
  ids.forEach((id, i) => {
    const cells = byId.get(id)!;
    columns.forEach((c, j) => (c.values[i] = cells[j] === '' ? NaN : Number(cells[j])));
  });
  return { rows: ids.length, columns };
}

/** X^T X (upper triangle, with the constant) and X^T y over the frame's first columns, in plain loops. */
function crossProducts(columns: Float64Array[], y: Uint8Array): number[] {
  const n = y.length;
  const x = [new Float64Array(n).fill(1), ...columns.map((c) => c.map((v) => (Number.isNaN(v) ? 0 : v)))];
  const out: number[] = [];
  for (let j = 0; j < x.length; j++) {
    for (let k = j; k < x.length; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[j][i] * x[k][i];
      out.push(s);
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += x[j][i] * y[i];
    out.push(s);
  }
  return out;
}

function deciles(values: Float64Array): number[] {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort();
  return [1, 2, 3, 4, 5, 6, 7, 8, 9].map((q) => sorted[Math.min(sorted.length - 1, Math.floor((q / 10) * sorted.length))]);
}

/**
 * The same statistics in DuckDB (the optional @duckdb/node-api): the platform CSV loaded into a
 * columnar table, the bank's ids and labels beside it, X^T X, X^T y and deciles by SQL over the join.
 * Undefined when the package is not installed.
 */
async function duckdbStatistics(dir: string, platformCsv: string, bankIds: string[], labels: Uint8Array, names: string[]): Promise<{ load: Step; stats: Step } | undefined> {
  let duckdb: { DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckConnection> }> } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    duckdb = require('@duckdb/node-api');
  } catch {
    return undefined;
  }
  const bankCsv = join(dir, 'bank.csv');
  const fd = openSync(bankCsv, 'w');
  writeSync(fd, 'id,y\n' + bankIds.map((id, i) => `${csvCell(id)},${labels[i]}`).join('\n') + '\n');
  closeSync(fd);
  const connection = await (await duckdb.DuckDBInstance.create(join(dir, 'platform.duckdb'))).connect();
  const [, load] = await measured(async () => {
    await connection.run(`CREATE TABLE platform AS SELECT * FROM read_csv('${platformCsv}', header = true, types = {'id': 'VARCHAR'})`);
    await connection.run(`CREATE TABLE bank AS SELECT * FROM read_csv('${bankCsv}', header = true, types = {'id': 'VARCHAR', 'y': 'INTEGER'})`);
  });
  const x = ['1', ...names.map((n) => `coalesce(p."${n}", 0)`)];
  const sums: string[] = [];
  for (let j = 0; j < x.length; j++) {
    for (let k = j; k < x.length; k++) sums.push(`sum(${x[j]} * ${x[k]})`);
    sums.push(`sum(${x[j]} * b.y)`);
  }
  const quantiles = names.map((n) => `quantile_disc(p."${n}", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])`);
  const [, stats] = await measured(async () => {
    await connection.runAndReadAll(`SELECT ${sums.join(', ')} FROM bank b JOIN platform p ON p.id = b.id`);
    await connection.runAndReadAll(`SELECT ${quantiles.join(', ')} FROM bank b JOIN platform p ON p.id = b.id`);
  });
  return { load, stats };
}

interface DuckConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<unknown>;
}

const fmt = (s: Step): string => `${s.seconds.toFixed(2).padStart(8)} s wall ${s.cpuSeconds.toFixed(2).padStart(8)} s CPU ${s.peakMb.toFixed(0).padStart(6)} MB peak`;

export async function main(args: string[]): Promise<void> {
  const sizes = args.map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const counts = sizes.length ? sizes : [250_000, 1_000_000];
  const steward: Principal = { id: 'p_bench', name: 'bench', role: 'steward', org: 'platform' };
  console.log(`scale benchmark: platform tables of ${counts.map((n) => n.toLocaleString('en')).join(', ')} enterprises x ${PLATFORM_COLUMNS.length - 1} columns in SQLite rows`);
  console.log(`  bank of ${BANK_CUSTOMERS.toLocaleString('en')} customers, scoring request of ${SCORING_IDS.toLocaleString('en')} ids; wall time and peak RSS of the process running the enclave's code`);
  const results: { n: number; importStep: Step; bytes: number; dbBytes: number }[] = [];
  for (const n of counts) {
    if (n > IMPORT_MAX_ROWS) {
      console.log(`\n${n.toLocaleString('en')} enterprises: skipped, the import path refuses more than ${IMPORT_MAX_ROWS.toLocaleString('en')} rows in one upload`);
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), 'jointlab-bench-scale-'));
    try {
      console.log(`\n${n.toLocaleString('en')} enterprises`);
      const csv = join(dir, 'platform.csv');
      const [ids, gen] = await measured(() => writePlatform(csv, n));
      const bytes = statSync(csv).size;
      console.log(`  generate CSV (${(bytes / 2 ** 20).toFixed(0)} MB)          ${fmt(gen)}`);
      const dbFile = join(dir, 'enclave.db');
      const db = await openStore(dbFile);
      try {
        const [, importStep] = await measured(async () => importDataset(db, { name: 'platform', idColumn: 'id', k: 10, body: readFileSync(csv), policy: {} }, steward));
        const dbBytes = statSync(dbFile).size + (statSync(`${dbFile}-wal`, { throwIfNoEntry: false })?.size ?? 0);
        console.log(`  import (parse, type, insert)   ${fmt(importStep)}   database ${(dbBytes / 2 ** 20).toFixed(0)} MB`);
        results.push({ n, importStep, bytes, dbBytes });

        const numeric = PLATFORM_COLUMNS.filter((c) => !['id', 'province', 'industry', 'size_class', 'tax_grade'].includes(c));
        const random = new Random(3);
        const bankIds = ids.slice(0, Math.min(BANK_CUSTOMERS, n));
        const [frame, read] = await measured(async () => numericFrame((await datasetCells(db, 'platform', numeric, bankIds)).byId, numeric, bankIds));
        console.log(`  read the bank's ${bankIds.length.toLocaleString('en')} joined rows  ${fmt(read)}`);
        // A label from a known logistic model of three columns, standing in for the bank's.
        const column = (name: string): Float64Array => frame.columns[numeric.indexOf(name)].values as Float64Array;
        const [vat, tax, court] = [column('vat_paid_12m_10k'), column('tax_arrears'), column('court_cases_3y')];
        const known = (x: number): number => (Number.isNaN(x) ? 0 : x);
        const labels = Uint8Array.from({ length: frame.rows }, (_, i) =>
          random.bernoulli(sigmoid(-2 - 0.002 * known(vat[i]) + 1.2 * known(tax[i]) + 0.3 * known(court[i]))) ? 1 : 0,
        );
        const [lr, lrStep] = await measured(() => families.lr.fit(frame, labels, families.lr.defaults, { seed: 1 }));
        console.log(`  logistic regression fit         ${fmt(lrStep)}`);
        const [, cardStep] = await measured(() => families.scorecard.fit(frame, labels, families.scorecard.defaults, { seed: 1 }));
        console.log(`  scorecard fit                   ${fmt(cardStep)}`);
        // The job's statistics over 10 columns: X^T X and X^T y, and deciles, on the rows read from
        // SQLite (the read above plus this) against DuckDB over the same join.
        const ten = frame.columns.slice(0, 10).map((c) => c.values as Float64Array);
        const [, jsStats] = await measured(() => {
          crossProducts(ten, labels);
          ten.forEach(deciles);
        });
        const duck = await duckdbStatistics(dir, csv, bankIds, labels, numeric.slice(0, 10));
        console.log(`  10 columns: X^T X, X^T y, deciles  ${fmt(jsStats)}   (after the read: SQLite path ${(read.seconds + jsStats.seconds).toFixed(2)} s in all)`);
        if (duck) console.log(`  same in DuckDB over the join      ${fmt(duck.stats)}   (loading the CSV into DuckDB: ${duck.load.seconds.toFixed(2)} s)`);
        else console.log('  DuckDB: skipped (npm install @duckdb/node-api, an optional dependency)');
        const scoringIds = ids.slice(ids.length - SCORING_IDS);
        const [, scoreStep] = await measured(async () => lr.predict(numericFrame((await datasetCells(db, 'platform', numeric, scoringIds)).byId, numeric, scoringIds)));
        console.log(`  score ${SCORING_IDS.toLocaleString('en')} ids (read + predict)   ${fmt(scoreStep)}`);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (results.length >= 2) {
    // Import is linear in rows (one pass, batched inserts in one transaction): extrapolate by the per-row cost of the largest run.
    const last = results[results.length - 1];
    const perRow = last.importStep.seconds / last.n;
    const cpuPerRow = last.importStep.cpuSeconds / last.n;
    const target = 5_000_000;
    console.log(
      `\nextrapolated to ${target.toLocaleString('en')} enterprises (linear from ${last.n.toLocaleString('en')}): import ${(perRow * target).toFixed(0)} s wall (${(cpuPerRow * target).toFixed(0)} s CPU), ` +
        `database ${((last.dbBytes / last.n) * target / 2 ** 30).toFixed(1)} GB, CSV ${((last.bytes / last.n) * target / 2 ** 30).toFixed(1)} GB held in memory by the import ` +
        `(peak RSS ${((last.importStep.peakMb / last.n) * target / 1024).toFixed(1)} GB at this rate) - and the import path refuses uploads past ${IMPORT_MAX_ROWS.toLocaleString('en')} rows`,
    );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
