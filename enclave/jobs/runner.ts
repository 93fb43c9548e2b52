/**
 * Runs approved jobs one at a time in a worker thread, with progress written to the job row and
 * cancellation by terminating the worker. On start, jobs a crash left `running` are failed with a
 * reason and approved jobs are queued again.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JointlabError } from '../../lab/errors';
import { selectionOptions } from '../../lab/spec/selection-spec';
import { takeLabels, takeRows } from '../../models/frame';
import { stratifiedSplit } from '../../models/split';
import { beforeTraining, releaseCheck } from '../release/check';
import { PopulationPrint, differencingCheck } from '../release/differencing';
import { DP_SHARES, PopulationNoise } from '../release/population';
import { Db } from '../store/db';
import { JobRow, jobMode, jobRow, listJobs, runsInRunner } from './jobs';
import { runMonitor } from '../monitor/run';
import { decodeJob } from './decode';
import { loadTrainingTable } from './training-data';
import { scoringRuleVerdict } from '../scoring/rule-verdict';
import { ENCLAVE_ACTOR, failInterrupted, failTraining, finishTraining, interruptNetworkPart, startTraining } from './decisions';
import { STANDBY, WorkerInput, WorkerMessage } from './worker';

export interface RunnerOptions {
  defaultK: number;
  minTrainingRows: number;
  /**
   * Keep the next job's worker started, its fitting code compiled by a synthetic warm-up
   * (models/warm-up.ts), while the enclave idles: a long-running enclave's jobs then fit at compiled
   * speed. Off for short-lived enclaves (tests, the demo), which would pay a worker they never use.
   */
  warmWorker?: boolean;
}

/**
 * Disclosure control at fit time: no scorecard bin, no category column and no tree leaf or split side
 * may stand for fewer than k rows, whatever the spec asked for (a bank cannot lower them through hyper-parameters).
 */
export function withDisclosureControl(params: Record<string, unknown>, k: number): Record<string, unknown> {
  const out = { ...params };
  if ('minBinCount' in out) out.minBinCount = Math.max(Number(out.minBinCount) || 0, k);
  if ('minLevelCount' in out) out.minLevelCount = Math.max(Number(out.minLevelCount) || 0, k);
  if ('minChildRows' in out) out.minChildRows = Math.max(Number(out.minChildRows) || 0, k);
  return out;
}

export class Runner {
  private queue: string[] = [];
  private current?: { jobId: string; worker?: Worker; cancelled: boolean };
  private idle: Promise<void> = Promise.resolve();
  private stopped = false;
  /** The started, warming worker the next job takes (options.warmWorker). */
  private standby?: Worker;

  constructor(
    private readonly db: Db,
    private readonly options: RunnerOptions,
  ) {}

  /** Crash recovery: a job found `running` lost its worker with the process. */
  async recover(): Promise<void> {
    const steward = { id: ENCLAVE_ACTOR, name: ENCLAVE_ACTOR, role: 'steward' as const, org: 'enclave' };
    for (const job of await listJobs(this.db, steward, 'running')) {
      // A network part lost its round with the process: interrupted, for the hub's next attempt.
      if (jobMode(job) === 'network') await interruptNetworkPart(this.db, job.id);
      // HE jobs run in the bank's session, whose keys and totals are in the store: they survive a restart.
      if (!runsInRunner(jobMode(job))) continue;
      await failInterrupted(this.db, job.id);
    }
    for (const job of await listJobs(this.db, steward, 'approved')) if (runsInRunner(jobMode(job))) this.enqueue(job.id);
  }

  enqueue(jobId: string): void {
    if (this.queue.includes(jobId) || this.current?.jobId === jobId) return;
    this.queue.push(jobId);
    this.pump();
  }

  /** Resolves when nothing is queued or running (tests and the demo wait on it). */
  async drained(): Promise<void> {
    while (this.current || this.queue.length) await this.idle;
  }

  /** Stops a queued or running job. Returns false when the job was neither. */
  async cancel(jobId: string): Promise<boolean> {
    const queued = this.queue.indexOf(jobId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      return true;
    }
    if (this.current?.jobId !== jobId) return false;
    this.current.cancelled = true;
    await this.current.worker?.terminate();
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue = [];
    const standby = this.standby;
    this.standby = undefined;
    await Promise.all([this.current?.worker?.terminate(), standby?.terminate()]);
  }

  /** A standby worker is started and waiting for the next job. */
  get standing(): boolean {
    return this.standby !== undefined;
  }

  /** A job is running (recovery may have queued one). */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Starts the next job's worker ahead of it (options.warmWorker); called on start and after each job. */
  prepareWorker(): void {
    if (!this.options.warmWorker || this.stopped || this.standby) return;
    const worker = new Worker(join(__dirname, 'worker.js'), { workerData: STANDBY });
    // An idle standby never holds the process open; the job that takes it holds it again.
    worker.unref();
    const forget = () => {
      if (this.standby === worker) this.standby = undefined;
    };
    worker.on('error', forget);
    worker.on('exit', forget);
    this.standby = worker;
  }

  /** The standby worker with the job posted to it, or a fresh worker given the job at start. */
  private workerFor(input: WorkerInput): Worker {
    const standby = this.standby;
    this.standby = undefined;
    if (!standby) return new Worker(join(__dirname, 'worker.js'), { workerData: input });
    standby.ref();
    standby.postMessage(input);
    return standby;
  }

  private pump(): void {
    if (this.current || this.stopped) return;
    const jobId = this.queue.shift();
    if (!jobId) return;
    this.current = { jobId, cancelled: false };
    this.idle = this.runJob(jobId)
      // A bug must not leave the job "running" for ever: it fails, with a reason that quotes nothing.
      .catch(() => this.fail(jobId, 'the enclave hit an internal error while training this job'))
      .finally(() => {
        this.current = undefined;
        this.pump();
        // Only when nothing else started: a job queued now takes a cold worker rather than wait for a warm-up.
        if (!this.current) this.prepareWorker();
      });
  }

  private async fail(jobId: string, reason: string): Promise<void> {
    await failTraining(this.db, jobId, reason);
  }

  private async runJob(jobId: string): Promise<void> {
    const row = await jobRow(this.db, jobId);
    if (!row || row.state !== 'approved' || !runsInRunner(jobMode(row))) return;
    await startTraining(this.db, jobId);
    const job = decodeJob(row);
    if (job.mode === 'monitor') {
      await this.monitor(row);
      return;
    }
    const { spec, privacy, validation } = job;
    let input: WorkerInput;
    let k: number;
    let noise: PopulationNoise;
    let print: PopulationPrint | undefined;
    let trainedOn: number | undefined;
    try {
      const table = await loadTrainingTable(this.db, spec, row.org, this.options.defaultK);
      trainedOn = table.snapshot;
      k = table.k;
      noise = table.noise;
      const { rest, held } = table.split
        ? { rest: table.split.train, held: table.split.test }
        : stratifiedSplit(table.labels, validation.testFraction, validation.seed);
      print = await table.print?.(rest);
      input = {
        family: spec.model.family,
        // Under DP the model's mechanism gets its share of epsilon; the rest buys the released counts and metrics.
        ...(privacy ? { privacy: { epsilon: privacy.epsilon * DP_SHARES.model, lambda: privacy.lambda } } : {}),
        params: withDisclosureControl(job.params(), k),
        // The scorecard bins its own columns; every other family standardizes with the population-independent encoder.
        ...(spec.model.family !== 'scorecard' || privacy ? { encoder: table.encoder } : {}),
        // A scorecard's bin counts, from which its WOE comes, carry the population's noise (a DP one has its own).
        ...(spec.model.family === 'scorecard' && !privacy ? { noiseKey: table.noise.key } : {}),
        flags: table.flags,
        seed: validation.seed,
        ...(spec.selection ? { selection: { options: selectionOptions(spec.selection), minBinCount: k, noiseKey: table.noise.key } } : {}),
        train: { frame: takeRows(table.frame, rest), labels: takeLabels(table.labels, rest) },
        test: { frame: takeRows(table.frame, held), labels: takeLabels(table.labels, held) },
      };
    } catch (e) {
      await this.fail(jobId, e instanceof JointlabError ? e.message : 'the training data could not be assembled');
      return;
    }
    const counts = (labels: Uint8Array) => {
      let positive = 0;
      for (const y of labels) positive += y;
      return { positive, negative: labels.length - positive };
    };
    const { outputs } = job;
    const rules = { k, minTrainingRows: this.options.minTrainingRows, outputs, noise, ...(privacy ? { epsilon: privacy.epsilon } : {}) };
    const sizes = {
      rows: { train: input.train.labels.length, test: input.test.labels.length },
      classes: { train: counts(input.train.labels), test: counts(input.test.labels) },
    };
    // The differencing control first: its reason reads the same whatever the difference, and a job it
    // stops says so rather than whatever else a noisy count happened to trip. Then the size rules,
    // decided on noisy counts before any fit: "only one label value" or "too few rows" on exact counts
    // would say whether the one id whose label differs joined.
    const stop = (print && (await differencingCheck(this.db, print, k))) || beforeTraining(sizes, rules);
    if (stop) {
      // Nothing is fitted: every output the spec asked for is withheld with the one reason.
      await finishTraining(this.db, jobId, { release: { released: {}, withheld: outputs.map((part) => ({ part, reason: stop })), k }, backend: 'none', seconds: 0 }, outputs, undefined, stop);
      return;
    }
    const message = await this.inWorker(jobId, input);
    if (this.current?.cancelled) return;
    if (!message || message.type !== 'result') {
      const reason =
        message?.type !== 'error'
          ? 'the training worker stopped unexpectedly'
          : message.code === 'no_features_selected'
            ? 'feature selection kept no feature; lower selection.ivMin or raise maxCorrelation or maxVif'
            : 'training failed inside the worker';
      await this.fail(jobId, reason);
      return;
    }
    const release = releaseCheck({ model: message.model as never, description: message.description, ...sizes, metrics: message.metrics, test: { labels: input.test.labels, scores: message.testScores }, ...(message.selection ? { selection: message.selection } : {}) }, rules);
    // The scoring rule is judged once, on a released platform-only model (the only kind that scores in the clear), and kept with it.
    const model = release.released.parameters?.model;
    const platformOnly = model && spec.platform && model.features.every((f) => spec.platform!.columns.includes(f.name));
    const scoring = platformOnly ? await scoringRuleVerdict(this.db, spec, model) : undefined;
    // The snapshot it trained on: a monitor job of this model compares from it by default.
    const snapshot = trainedOn !== undefined ? { snapshot: trainedOn } : {};
    await finishTraining(this.db, jobId, { release, backend: message.backend, seconds: message.seconds, ...(scoring ? { scoring } : {}), ...snapshot }, outputs, print);
  }

  /** A monitor job runs here, on the enclave's thread (it scores and bins; no fit): its figures pass the monitoring rule inside runMonitor. */
  private async monitor(row: JobRow): Promise<void> {
    let stored;
    try {
      stored = await runMonitor(this.db, row);
    } catch (e) {
      await this.fail(row.id, e instanceof JointlabError ? e.message : 'the enclave could not compute the stability figures');
      return;
    }
    if (this.current?.cancelled) return;
    // Nothing but the stability figures is asked for: released when the score's figure passed, withheld with the reasons otherwise.
    await finishTraining(this.db, row.id, stored, [], undefined, stored.release.withheld.map((w) => w.reason).join('; ') || undefined);
  }

  private inWorker(jobId: string, input: WorkerInput): Promise<WorkerMessage | undefined> {
    return new Promise((resolve) => {
      const worker = this.workerFor(input);
      this.current!.worker = worker;
      let result: WorkerMessage | undefined;
      let lastWrite = 0;
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') {
          const now = Date.now();
          // A progress write every quarter second is plenty for `job status --watch`.
          if (now - lastWrite < 250) return;
          lastWrite = now;
          void this.db
            .run('UPDATE jobs SET progress = ?, progress_note = ? WHERE id = ? AND state = ?', [m.total ? m.done / m.total : 0, m.note ?? null, jobId, 'running'])
            .catch(() => undefined);
        } else result = m;
      });
      worker.on('error', () => resolve(undefined));
      worker.on('exit', () => resolve(result));
    });
  }
}

export type { JobRow };
