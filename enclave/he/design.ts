/** The platform side of the HE protocols, in the clear inside the enclave: the design for encrypted-label training and the score basis. */
import { JointlabError } from '../../lab/errors';
import { JobSpec } from '../../lab/spec/job-spec';
import { frameOf } from '../../lab/data/columns';
import { cellTable } from '../../lab/data/join';
import { Frame } from '../../models/frame';
import { Encoder, designNames, encode } from '../../models/encoding';
import { PopulationPrint, digestOf, fingerprintIds, withRoles } from '../release/differencing';
import { PopulationNoise, keyedNoise, populationSecret, referenceEncoderOf } from '../release/population';
import { datasetAggregates, datasetCells, datasetVersion, getDatasetMeta, snapshotKey } from '../data/datasets';
import { PlatformColumns, withPlatformColumns } from '../data/platform-columns';
import type { DatasetMeta } from '../../lab/api/datasets';
import { uploadByName } from '../data/uploads';
import { checkConsent } from '../data/consents';
import { requestDigest } from '../jobs/training-data';
import { Db } from '../store/db';
import { Term } from '../../lab/he/model-terms';
import type { ScoreStats } from '../../lab/api/he-sessions';

export interface TrainingDesign {
  /** Design columns over the bank's upload rows in upload order; rows the platform lacks, or without a required training consent, are zero. */
  aligned: Float64Array[];
  /** The same columns over the matched rows only, for the Hessian and gradient. */
  matched: Float64Array[];
  encoder: Encoder;
  names: string[];
  uploadRows: number;
  /** The upload's enterprise ids in row order: the bank's own ids, handed back so it can put its labels in this order. */
  uploadIds: string[];
  matchedRows: number;
  k: number;
  /** What the differencing control compares, and noise keyed to this request and population. */
  print: PopulationPrint;
  noise: PopulationNoise;
}

/** Typed columns from stored cells, through the same typing the local lab uses (types are known from import). */
function frameFrom(columns: string[], types: string[], rows: string[][]): Frame {
  const cells = new Map(columns.map((name, j) => [name, rows.map((r) => r[j])]));
  const joined = cellTable(cells);
  return frameOf(joined, columns, new Set(columns.filter((_, j) => types[j] === 'categorical')));
}

/** The job's platform columns, read once per request and handed to the functions below. */
export type PlatformTable = Awaited<ReturnType<typeof datasetCells>> & { columns: string[] };

/** The job's platform columns: every row, or (scoring) only the rows of `ids`. */
export async function platformTable(db: Db, spec: JobSpec, ids?: readonly string[]): Promise<PlatformTable> {
  const columns = spec.platform!.columns;
  return { ...(await datasetCells(db, spec.platform!.dataset, columns, ids)), columns };
}

/**
 * Which of `ids` the job's dataset lacks, from its id index alone (no cells are read): a scoring
 * request's first look, before the controls decide which rows it may use. Only the missing ids come
 * back from SQLite (none when the bank asks about platform enterprises), where one row per id did.
 */
export async function platformAbsence(db: Db, spec: JobSpec, ids: readonly string[]): Promise<{ meta: DatasetMeta; absent: Set<string> }> {
  const meta = await getDatasetMeta(db, spec.platform!.dataset);
  if (!meta) throw new JointlabError('not_found', `dataset "${spec.platform!.dataset}" no longer exists`, 'not_found');
  const unique = [...new Set(ids)];
  // Matched back by place in the array (j.key), not by the text SQLite hands back (see consents.ts).
  const rows = await db.all<{ at: number }>('SELECT j.key AS at FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM dataset_rows WHERE dataset = ? AND entity_id = j.value)', [JSON.stringify(unique), meta.name]);
  return { meta, absent: new Set(rows.map((r) => unique[r.at])) };
}

/**
 * What sessions on the same upload and snapshot compute alike, by a key that names everything it
 * depends on: the last few of each kind per database (the latest used first out).
 */
const KEPT_PER_KIND = 4;
const kept = new WeakMap<Db, Map<string, Map<string, Promise<unknown>>>>();

function keptValue<T>(db: Db, kind: string, key: string, make: () => Promise<T>): Promise<T> {
  const kinds = kept.get(db) ?? new Map<string, Map<string, Promise<unknown>>>();
  kept.set(db, kinds);
  const cache = kinds.get(kind) ?? new Map<string, Promise<unknown>>();
  kinds.set(kind, cache);
  let value = cache.get(key) as Promise<T> | undefined;
  if (value) {
    cache.delete(key);
  } else {
    value = make();
    value.catch(() => cache.get(key) === value && cache.delete(key));
  }
  cache.set(key, value);
  for (const old of cache.keys()) {
    if (cache.size <= KEPT_PER_KIND) break;
    cache.delete(old);
  }
  return value;
}

/** Fingerprints by a digest of the id list: one keyed hash per id is most of a warm session's design. */
function keptFingerprint(db: Db, secret: Buffer, ids: string[]): Promise<Buffer> {
  return keptValue(db, 'fingerprint', digestOf([secret.toString('base64'), ...ids]), () => fingerprintIds(secret, ids));
}

/** An upload's rows in order: they never change (uploading a name again makes a new upload, with a new id). */
function keptUploadRows(db: Db, upload: string): Promise<{ entity_id: string; cells: string }[]> {
  return keptValue(db, 'upload', upload, () => db.all<{ entity_id: string; cells: string }>('SELECT entity_id, cells FROM upload_rows WHERE upload = ? ORDER BY row', [upload]));
}

/**
 * Builds a job's design ahead and drops it, leaving what it computed in the caches above (and, on
 * SQLite rows, the snapshot's read in data/kept-cells.ts): called when an encrypted-label job is
 * approved, so the session's opening finds most of its work done. Any failure is the opening's to report.
 */
export function prepareTrainingDesign(db: Db, spec: JobSpec, org: string): void {
  const running = preparing.get(db) ?? new Set<Promise<unknown>>();
  preparing.set(db, running);
  const latest = latestPrepared.get(db) ?? new Map<string, Promise<unknown>>();
  latestPrepared.set(db, latest);
  const key = preparedKey(spec, org);
  const done: Promise<unknown> = buildTrainingDesign(db, spec, org)
    .catch(() => undefined)
    .finally(() => {
      running.delete(done);
      if (latest.get(key) === done) latest.delete(key);
    });
  running.add(done);
  latest.set(key, done);
}

/** Every preparation still running, for the enclave's close; and the latest one per job spec, for its opening. */
const preparing = new WeakMap<Db, Set<Promise<unknown>>>();
const latestPrepared = new WeakMap<Db, Map<string, Promise<unknown>>>();
const preparedKey = (spec: JobSpec, org: string): string => `${org}\u0000${JSON.stringify(spec)}`;

/** How many designs are being prepared on `db` (every one the enclave's close must wait for). */
export function designsPreparing(db: Db): number {
  return preparing.get(db)?.size ?? 0;
}

/** Waits for the designs being prepared on `db`: the enclave closes its database only after them. */
export async function settleTrainingDesigns(db: Db): Promise<void> {
  await Promise.all(preparing.get(db) ?? []);
}

/**
 * The job's design. An opening that comes while the same job's design is still being prepared waits
 * for it, then builds from the caches it filled: building both at once read the platform's columns
 * twice, each read slowing the other (0.5 to 0.76 s for an enclave's first session, against 0.08 s
 * from the caches).
 */
export async function trainingDesign(db: Db, spec: JobSpec, org: string): Promise<TrainingDesign> {
  await latestPrepared.get(db)?.get(preparedKey(spec, org));
  return buildTrainingDesign(db, spec, org);
}

async function buildTrainingDesign(db: Db, spec: JobSpec, org: string): Promise<TrainingDesign> {
  const upload = await uploadByName(db, org, spec.bank!.upload);
  if (!upload) throw new JointlabError('not_found', `upload "${spec.bank!.upload}" no longer exists`, 'not_found');
  const columns = spec.platform!.columns;
  const ids = await keptUploadRows(db, upload.id);
  const uploadIds = ids.map((r) => r.entity_id);
  const secret = await populationSecret(db);
  // The upload's fingerprint needs no platform column: hashed while DuckDB joins (its own threads).
  const uploadedPrint = keptFingerprint(db, secret, uploadIds);
  uploadedPrint.catch(() => undefined);
  // The platform's columns for the upload's enterprises on the enclave's engine, as plaintext jobs read
  // them (data/platform-columns.ts); on SQLite rows the snapshot's read is kept for the next session.
  const { meta, matchedAt, encoder, matched } = await withPlatformColumns(db, spec.platform!.dataset, columns, uploadIds, (platform) => matchedDesign(db, org, columns, uploadIds, platform), {
    keep: true,
  });
  const matchedIds = matchedAt.map((i) => uploadIds[i]);
  const version = await datasetVersion(db, meta);
  const request = await keptValue(db, 'request', `${upload.id}\u0000${version}`, async () => requestDigest(ids, version));
  const [fingerprint, uploaded] = await Promise.all([keptFingerprint(db, secret, withRoles(matchedIds, Int32Array.from(matchedIds.keys()))), uploadedPrint]);
  const print: PopulationPrint = { org, dataset: meta.name, columns, uploaded, ids: fingerprint };
  // Plain loops: a callback per row and column cost about 50 ms a session at 30,000 x 11.
  const aligned = matched.map((c) => {
    const out = new Float64Array(ids.length);
    for (let m = 0; m < matchedAt.length; m++) out[matchedAt[m]] = c[m];
    return out;
  });
  // The intercept's column: one on matched rows, so unmatched rows drop out of X^T y as well.
  const ones = new Float64Array(ids.length);
  for (const i of matchedAt) ones[i] = 1;
  return {
    aligned: [...aligned, ones],
    matched: [...matched],
    encoder,
    names: [...designNames(encoder), '(intercept)'],
    uploadRows: ids.length,
    uploadIds,
    matchedRows: matchedAt.length,
    k: meta.k,
    print,
    noise: keyedNoise(secret, digestOf([request, fingerprint.toString('base64'), 'he-train'])),
  };
}

/**
 * Which upload rows train (on the platform, and consented where the steward requires it) and their
 * encoded columns: what needs the platform's columns, done while the read holds them.
 */
async function matchedDesign(
  db: Db,
  org: string,
  columns: string[],
  uploadIds: string[],
  platform: PlatformColumns,
): Promise<{ meta: DatasetMeta; matchedAt: number[]; encoder: Encoder; matched: Float64Array[] }> {
  const { byId, types, meta } = platform;
  // The steward's policy, as for plaintext training: rows without this bank's training consent are zero rows of the design.
  const consented = meta.requireTrainingConsent ? new Set((await checkConsent(db, org, 'training', uploadIds)).allowed) : undefined;
  const matchedAt: number[] = [];
  const rows: string[][] = [];
  for (let i = 0; i < uploadIds.length; i++) {
    const cells = byId.get(uploadIds[i]);
    if (cells && (!consented || consented.has(uploadIds[i]))) {
      matchedAt.push(i);
      rows.push(cells);
    }
  }
  // Every matched row trains in an HE session: the same roles as a plaintext job that trains on all of them.
  const matchedIds = matchedAt.map((i) => uploadIds[i]);
  // The encoded matched rows depend on the snapshot, its k, the columns and which rows matched, and on
  // nothing else (both engines give the same cells, typed alike: data/platform-columns.ts).
  const { encoder, matched } = await keptValue(db, 'encoded', digestOf([snapshotKey(meta), String(meta.k), ...columns, '', ...matchedIds]), async () => {
    const frame = frameFrom(columns, types, rows);
    const kinds = frame.columns.map((c) => ({ name: c.name, kind: c.kind }));
    // The encoder goes to the bank: it is the platform-wide standardization, the same whoever joined,
    // so two sessions' encoders cannot be subtracted down to an enterprise (enclave/release/population.ts).
    // Computed once per snapshot, k and the columns' kinds (the steward may change k).
    const encoder = await keptValue(db, 'encoder', digestOf([snapshotKey(meta), String(meta.k), ...kinds.flatMap((c) => [c.name, c.kind])]), async () =>
      referenceEncoderOf(await platform.summaries(kinds), meta.k),
    );
    return { encoder, matched: encode(encoder, frame).columns };
  });
  return { meta, matchedAt, encoder, matched };
}

/** A term of the linear form a private model is scored in (the bank's client writes them; see lab/he/model-terms.ts). */
export type BasisTerm = Term;

const coarse = (x: number): number => Number(x.toPrecision(3));

/**
 * What a private-scoring session hands out about its columns: no more than the dataset's own
 * aggregates release (the same function decides), and that rounded.
 */
export async function scoreStats(db: Db, table: PlatformTable): Promise<ScoreStats> {
  // Stored rows never change after import: the figures are computed once per dataset version, policy (the steward may change it) and columns.
  const cache = statsCache.get(db) ?? new Map<string, Promise<ScoreStats>>();
  statsCache.set(db, cache);
  const key = [table.meta.name, table.meta.createdAt, table.meta.k, JSON.stringify(table.meta.columns), ...table.columns].join('\u0000');
  let stats = cache.get(key);
  if (!stats) {
    stats = computeScoreStats(db, table);
    cache.set(key, stats);
    stats.catch(() => cache.delete(key));
  }
  return stats;
}

const statsCache = new WeakMap<Db, Map<string, Promise<ScoreStats>>>();

async function computeScoreStats(db: Db, table: PlatformTable): Promise<ScoreStats> {
  const aggregates = new Map((await datasetAggregates(db, table.meta)).map((a) => [a.name, a]));
  const numeric: ScoreStats['numeric'] = {};
  const categorical: string[] = [];
  const withheld: string[] = [];
  table.columns.forEach((name, j) => {
    if (table.types[j] === 'categorical') return void categorical.push(name);
    const a = aggregates.get(name);
    if (a?.type === 'numeric' && a.mean !== null && a.sd !== null) numeric[name] = { mean: coarse(a.mean), sd: coarse(a.sd) || 1 };
    else withheld.push(name);
  });
  return { numeric, categorical, withheld };
}

/** Basis columns for the enterprises to score, from their platform rows (in the order of `ids`). */
export function scoreBasis(table: PlatformTable, stats: ScoreStats, terms: BasisTerm[], ids: string[]): { basis: Float64Array[]; missing: string[] } {
  const { byId, types, columns } = table;
  const found = ids.filter((id) => byId.has(id));
  const frame = frameFrom(columns, types, found.map((id) => byId.get(id)!));
  const byName = new Map(frame.columns.map((c) => [c.name, c]));
  const basis = terms.map((t) => {
    const column = byName.get(t.feature)!;
    return Float64Array.from({ length: frame.rows }, (_, i) => {
      const v = column.values[i];
      const missing = v === null || (typeof v === 'number' && Number.isNaN(v));
      switch (t.kind) {
        case 'missing':
          return missing ? 1 : 0;
        case 'z':
          return missing ? 0 : ((v as number) - stats.numeric[t.feature].mean) / stats.numeric[t.feature].sd;
        case 'level':
          return v === t.level ? 1 : 0;
        case 'bin':
          return !missing && (t.lower === null || (v as number) > t.lower) && (t.upper === null || (v as number) <= t.upper) ? 1 : 0;
      }
    });
  });
  return { basis, missing: ids.filter((id) => !byId.has(id)) };
}
