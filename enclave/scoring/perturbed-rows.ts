/** Platform rows as scoring models see them: perturbed by the dataset's score noise (enclave/release/score-noise.ts). */
import { randomBytes } from 'node:crypto';
import { isMissingCell } from '../../lab/data/columns';
import { JointlabError } from '../../lab/errors';
import { getDatasetMeta, snapshotKey, snapshotMoments } from '../data/datasets';
import { NoiseColumn, donorRows, perturbCells } from '../release/score-noise';
import { Db } from '../store/db';
import type { ScoringPolicy } from '../../lab/api/scoring';
import type { DatasetMeta } from '../../lab/api/datasets';

const keys = new WeakMap<Db, Promise<Buffer>>();

/** The enclave secret the noise is drawn from; made once per database and never leaves it. */
export function scoreNoiseKey(db: Db): Promise<Buffer> {
  let key = keys.get(db);
  if (!key) {
    key = (async () => {
      await db.run("INSERT OR IGNORE INTO secrets (name, value) VALUES ('score-noise-key', ?)", [randomBytes(32)]);
      return (await db.get<{ value: Buffer }>("SELECT value FROM secrets WHERE name = 'score-noise-key'"))!.value;
    })();
    keys.set(db, key);
  }
  return key;
}

/** Positions of the named columns in stored cells (which leave out the id column). */
function positionsOf(meta: DatasetMeta, columns: readonly string[]): number[] {
  const stored = meta.columns.filter((c) => c.policy !== 'id');
  return columns.map((name) => {
    const at = stored.findIndex((c) => c.name === name);
    if (at < 0) throw new JointlabError('unknown_column', `dataset "${meta.name}" has no column "${name}"`);
    return at;
  });
}

/** Population standard deviations of numeric columns; stored rows never change after import, so they are computed once. */
const sds = new WeakMap<Db, Map<string, number>>();

async function columnSds(db: Db, meta: DatasetMeta, columns: readonly string[]): Promise<number[]> {
  const cache = sds.get(db) ?? new Map<string, number>();
  sds.set(db, cache);
  const keyOf = (c: string) => `${snapshotKey(meta)}\u0000${c}`;
  const sdOf = (n: number, s: number, ss: number): number => (n > 1 ? Math.sqrt(Math.max(ss / n - (s / n) ** 2, 0)) : 0);
  // The moments the import counted (data/csv-import.ts insertRows), by the rule below: no need to read every row.
  const counted = columns.some((c) => !cache.has(keyOf(c))) ? await snapshotMoments(db, meta) : undefined;
  for (const c of columns) if (!cache.has(keyOf(c)) && counted?.[c]) cache.set(keyOf(c), sdOf(...counted[c]));
  const wanted = columns.filter((c) => !cache.has(keyOf(c)));
  if (wanted.length) {
    const at = positionsOf(meta, wanted);
    const sums = wanted.map(() => ({ n: 0, s: 0, ss: 0 }));
    for (const r of await db.all<{ cells: string }>('SELECT cells FROM dataset_rows WHERE dataset = ?', [meta.name])) {
      const cells = JSON.parse(r.cells) as string[];
      at.forEach((p, j) => {
        if (isMissingCell(cells[p])) return;
        const x = Number(cells[p]);
        if (!Number.isFinite(x)) return;
        sums[j].n++;
        sums[j].s += x;
        sums[j].ss += x * x;
      });
    }
    wanted.forEach((c, j) => {
      const { n, s, ss } = sums[j];
      cache.set(keyOf(c), sdOf(n, s, ss));
    });
  }
  return columns.map((c) => cache.get(keyOf(c))!);
}

/**
 * Perturbed cells already drawn, per dataset version, noise setting and column: the draws are a
 * keyed function of (enterprise, column) and never change, so a value is drawn (two HMACs and a
 * donor row read) once and then served from here. Bounded: past the limit a dataset's cells are
 * dropped and drawn again, with the same result.
 */
const drawn = new WeakMap<Db, Map<string, Map<string, string>>>();
const MAX_DRAWN_CELLS = 4_000_000;
let drawnCells = 0;

function drawnColumn(db: Db, meta: DatasetMeta, policy: ScoringPolicy, column: string): Map<string, string> {
  const cache = drawn.get(db) ?? new Map<string, Map<string, string>>();
  drawn.set(db, cache);
  const key = [meta.name, meta.createdAt, policy.noiseSwap, policy.noiseSd, column].join('\u0000');
  let values = cache.get(key);
  if (!values) {
    values = new Map();
    cache.set(key, values);
  }
  return values;
}

/**
 * The cells of `ids` (each present in `byId`, in the order of `columns`) after the score noise. With
 * the noise off they are the stored cells.
 */
export async function perturbedCells(db: Db, policy: ScoringPolicy, dataset: string, columns: readonly string[], byId: ReadonlyMap<string, string[]>, ids: readonly string[]): Promise<Map<string, string[]>> {
  if (policy.noiseSwap <= 0 && policy.noiseSd <= 0) return new Map(ids.map((id) => [id, byId.get(id)!]));
  const meta = await getDatasetMeta(db, dataset);
  if (!meta) throw new JointlabError('not_found', `dataset "${dataset}" no longer exists`, 'not_found');
  if (drawnCells > MAX_DRAWN_CELLS) {
    drawn.delete(db);
    drawnCells = 0;
  }
  const cached = columns.map((c) => drawnColumn(db, meta, policy, c));
  // Only the enterprises with a column not drawn yet are drawn (all their columns, as one row).
  const fresh = ids.filter((id) => cached.some((values) => !values.has(id)));
  if (fresh.length) {
    const key = await scoreNoiseKey(db);
    const types = columns.map((name) => meta.columns.find((c) => c.name === name)!.type as NoiseColumn['type']);
    const spread = await columnSds(db, meta, columns.filter((_, j) => types[j] === 'numeric'));
    let n = 0;
    const noiseColumns: NoiseColumn[] = columns.map((name, j) => ({ name, type: types[j], sd: types[j] === 'numeric' ? spread[n++] : 0 }));
    const wanted = donorRows(key, policy, fresh, noiseColumns, meta.rows);
    const at = positionsOf(meta, columns);
    const donors = new Map<number, string[]>();
    for (let start = 0; start < wanted.length; start += 500) {
      const batch = wanted.slice(start, start + 500);
      const rows = await db.all<{ row: number; cells: string }>(`SELECT row, cells FROM dataset_rows WHERE dataset = ? AND row IN (${batch.map(() => '?').join(', ')})`, [dataset, ...batch]);
      for (const r of rows) {
        const cells = JSON.parse(r.cells) as string[];
        donors.set(r.row, at.map((p) => cells[p]));
      }
    }
    const none = columns.map(() => '');
    for (const id of fresh) {
      perturbCells(key, policy, id, byId.get(id)!, noiseColumns, meta.rows, (row) => donors.get(row) ?? none).forEach((v, j) => cached[j].set(id, v));
      drawnCells += columns.length;
    }
  }
  return new Map(ids.map((id) => [id, cached.map((values) => values.get(id)!)]));
}
