/**
 * Running a monitor job inside the enclave: the monitored model scores the whole platform population
 * of each snapshot, and the score's PSI and each platform feature's CSI leave only as the k-safe,
 * noisy, rounded bins of enclave/release/monitoring-bins.ts. No row, score or id leaves.
 */
import { createHmac } from 'node:crypto';
import { cellTable } from '../../lab/data/join';
import { modelFrame } from '../../lab/data/model-frame';
import { JointlabError } from '../../lab/errors';
import { splitModel } from '../../lab/model-parts';
import type { MonitoredSnapshot, ReleasedStability } from '../../lab/api/monitor';
import type { ReleaseOutcome, Withheld } from '../../lab/api/results';
import { loadModel } from '../../models';
import { Frame } from '../../models/frame';
import { datasetVersion, getDatasetMeta } from '../data/datasets';
import { assertSnapshot, snapshotRows } from '../data/snapshots';
import { decodeJob } from '../jobs/decode';
import { JobRow, StoredResult } from '../jobs/jobs';
import { FigureOutcome, MonitoredSide, STABILITY_THRESHOLDS, memberHashes, releasedCategoricalFigure, releasedNumericFigure } from '../release/monitoring-bins';
import { keyedNoise, populationSecret } from '../release/population';
import { Db } from '../store/db';
import { MonitorTarget, monitorTarget } from './target';

const yieldToApi = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One snapshot's platform population: the model's features as a frame, and the side the release rule keys its noise to. */
async function loadSide(db: Db, secret: Buffer, target: MonitorTarget, version: number): Promise<{ frame: Frame; side: MonitoredSide }> {
  const meta = target.dataset;
  const stored = meta.columns.filter((c) => c.policy !== 'id');
  const names = target.features.map((f) => f.name);
  const positions = names.map((name) => stored.findIndex((c) => c.name === name));
  const rows = await snapshotRows(db, meta, version);
  const ids = rows.map((r) => r.entity_id);
  const cells = new Map(names.map((n) => [n, [] as string[]]));
  for (const r of rows) {
    const all = JSON.parse(r.cells) as string[];
    names.forEach((n, j) => cells.get(n)!.push(all[positions[j]]));
  }
  const frame = modelFrame(cellTable(cells, ids), target.features);
  // The noise is keyed to the snapshot's content (its digest), the members' hashes to the enclave's secret alone.
  const noise = keyedNoise(secret, `monitor\u0000${await datasetVersion(db, meta, version)}`);
  const members = memberHashes(createHmac('sha256', secret).update('monitor-members').digest(), ids);
  return { frame, side: { members, noise } };
}

async function scoreOf(target: MonitorTarget, frame: Frame): Promise<Float64Array> {
  if (target.part === 'platform') return splitModel(target.model, target.platformColumns).platformPart(frame);
  return loadModel(target.model).predict(frame);
}

const unitOf = (target: MonitorTarget): ReleasedStability['score']['unit'] => (target.part === 'full' ? 'probability' : target.model.kind === 'scorecard' ? 'points' : 'logit');

/** Computes a monitor job's release: released when the score's figure passes the rule, each withheld figure with its reason. */
export async function runMonitor(db: Db, row: JobRow): Promise<StoredResult> {
  const started = process.hrtime.bigint();
  const { monitor } = decodeJob(row);
  if (!monitor) throw new JointlabError('bad_spec', 'the monitor job has no monitor block');
  const target = await monitorTarget(db, monitor.job, row);
  // The policy may have changed since submission: a column forbidden now is not read.
  const meta = (await getDatasetMeta(db, target.dataset.name))!;
  const forbidden = target.features.filter((f) => meta.columns.find((c) => c.name === f.name)?.policy === 'forbidden');
  if (forbidden.length) throw new JointlabError('column_forbidden', `the dataset's policy now forbids ${forbidden.map((f) => `"${f.name}"`).join(', ')}`);
  const k = meta.k;
  const snapshots = [await assertSnapshot(db, meta, monitor.base), await assertSnapshot(db, meta, monitor.current)];
  const secret = await populationSecret(db);
  const base = await loadSide(db, secret, target, monitor.base);
  await yieldToApi();
  const current = await loadSide(db, secret, target, monitor.current);
  const sides: [MonitoredSide, MonitoredSide] = [base.side, current.side];
  const scores: [Float64Array, Float64Array] = [await scoreOf(target, base.frame), await scoreOf(target, current.frame)];
  const withheld: Withheld[] = [];
  const keep = (outcome: FigureOutcome) => {
    if ('withheld' in outcome) withheld.push({ part: 'stability', reason: outcome.withheld });
    return 'released' in outcome ? outcome.released : undefined;
  };
  const score = keep(releasedNumericFigure('score', sides, scores, k, false));
  const features = [];
  for (let j = 0; j < target.features.length; j++) {
    await yieldToApi();
    const [b, c] = [base.frame.columns[j], current.frame.columns[j]];
    const figure =
      b.kind === 'numeric' && c.kind === 'numeric'
        ? releasedNumericFigure(b.name, sides, [b.values, c.values], k)
        : releasedCategoricalFigure(b.name, sides, [b.values as (string | null)[], c.values as (string | null)[]], k);
    const released = keep(figure);
    if (released) features.push(released);
  }
  const ref = (s: (typeof snapshots)[number]): MonitoredSnapshot => ({ version: s.version, importedAt: s.importedAt, rows: s.rows });
  const release: ReleaseOutcome = {
    released: score
      ? { stability: { job: target.jobId, family: target.model.kind, dataset: meta.name, base: ref(snapshots[0]), current: ref(snapshots[1]), score: { ...score, part: target.part, unit: unitOf(target) }, features, thresholds: { ...STABILITY_THRESHOLDS }, k } }
      : {},
    withheld,
    k,
  };
  return { release, backend: 'enclave', seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
