/**
 * `npm run bench`: each model family on the shared default-credit data (joint guest + host, fixed
 * split) and on a 100,000-row synthetic set, beside scikit-learn in the same run, printing test AUC
 * side by side and the fit-time ratio ours / scikit-learn.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { families } from '../models';
import { Frame, takeLabels, takeRows } from '../models/frame';
import { auc } from '../models/metrics';
import { ModelKind, MODEL_KINDS } from '../models/model';
import { Random } from '../models/random';
import { sigmoid } from '../models/linalg';
import { loadTensorflow } from '../models/tf-backend';
import { frameOf, labelsOf, splitOf } from '../lab/data/columns';
import { formatCsv } from '../lab/data/csv';
import { loadJoined } from '../lab/train';
import { Worker } from 'node:worker_threads';
import { ReferenceFit, runSklearn, sklearnAvailable } from './reference';
import type { WarmedFitInput, WarmedFitTimes } from './warmed-fit';

interface Task {
  name: string;
  train: { frame: Frame; labels: Uint8Array };
  test: { frame: Frame; labels: Uint8Array };
}

const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'datasets');

function sharedTask(): Task | undefined {
  const files = ['default_credit_hetero_guest.csv', 'default_credit_hetero_host.csv', 'default_credit_split.csv'].map((f) => join(SHARED, f));
  if (!files.every(existsSync)) return undefined;
  const joined = loadJoined(files, 'id');
  const labels = labelsOf(joined, 'y');
  const frame = frameOf(joined, joined.names.filter((n) => n !== 'y' && n !== 'split'), new Set());
  const parts = splitOf(joined, 'split');
  const part = (rows: Int32Array) => ({ frame: takeRows(frame, rows), labels: takeLabels(labels, rows) });
  return { name: 'default credit, joint 13 + 10 features, 21,000 / 9,000 rows', train: part(parts.train), test: part(parts.test) };
}

/** n rows x d numeric features from a known logistic model, with correlated and heavy-tailed columns. */
function syntheticTask(n: number, d: number, seed: number): Task {
  const random = new Random(seed);
  const make = (rows: number) => {
    const columns = Array.from({ length: d }, () => new Float64Array(rows));
    const labels = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      const common = random.normal();
      let z = -2.2;
      for (let j = 0; j < d; j++) {
        const v = j % 5 === 4 ? Math.exp(random.normal()) : 0.5 * common + random.normal();
        columns[j][i] = v;
        z += (j % 3 === 0 ? 0.35 : j % 3 === 1 ? -0.2 : 0.05) * (j % 5 === 4 ? Math.log(v) : v);
      }
      labels[i] = random.bernoulli(sigmoid(z)) ? 1 : 0;
    }
    return { frame: { rows, columns: columns.map((values, j) => ({ name: `x${j}`, kind: 'numeric' as const, values })) }, labels };
  };
  return { name: `synthetic, ${d} features, ${n.toLocaleString('en')} training rows`, train: make(n), test: make(Math.round(n * 0.3)) };
}

function writeNumericCsv(path: string, part: Task['train']): void {
  const header = ['id', 'y', ...part.frame.columns.map((c) => c.name)];
  const rows = Array.from({ length: part.frame.rows }, (_, i) => [i, part.labels[i], ...part.frame.columns.map((c) => (c.values as Float64Array)[i])]);
  writeFileSync(path, formatCsv(header, rows));
}

/**
 * A full garbage collection, so a timed fit does not pay for the garbage that building the benchmark's
 * data left (the CSV text for scikit-learn, the synthetic rows): scikit-learn's side, reference
 * counted, starts each fit with none.
 */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Fits one family, timed; fits taking under 2 s are fitted and timed once more (`again`), as scikit-learn's are. */
async function fitOurs(kind: ModelKind, task: Task): Promise<ReferenceFit> {
  const family = families[kind];
  const timedFit = async () => {
    collectGarbage();
    // Let V8's background threads finish sweeping what the collection freed: their CPU time would
    // otherwise be billed to the fit.
    await new Promise((done) => setTimeout(done, 250));
    const started = process.hrtime.bigint();
    const cpuStarted = process.cpuUsage();
    const model = await family.fit(task.train.frame, task.train.labels, family.defaults, { seed: 42 });
    const cpu = process.cpuUsage(cpuStarted);
    return { model, seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };
  const first = await timedFit();
  const again = first.seconds < AGAIN_BELOW ? await timedFit() : undefined;
  return {
    auc: auc(task.test.labels, await first.model.predict(task.test.frame)),
    seconds: first.seconds,
    cpuSeconds: first.cpuSeconds,
    ...(again ? { again: { seconds: again.seconds, cpuSeconds: again.cpuSeconds } } : {}),
  };
}

/**
 * The first fit in a fresh worker thread after the standby warm-up, as a long-running enclave runs a
 * job (`jointlab enclave start` keeps such a worker ready; enclave/jobs/runner.ts); with `warmUp` false,
 * the first fit of a fresh isolate, as `jointlab train` runs it: the main thread's first fit is that
 * only for the first data set, since the later ones find the model's code compiled.
 */
async function fitInWorker(kind: ModelKind, task: Task, warmUp: boolean): Promise<WarmedFitTimes> {
  collectGarbage();
  const input: WarmedFitInput = { kind, frame: task.train.frame, labels: task.train.labels, warmUp };
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'warmed-fit.js'), { workerData: input });
    worker.once('message', (times: WarmedFitTimes) => void worker.terminate().then(() => resolve(times)));
    worker.once('error', reject);
  });
}

/** Families whose standby warm-up (models/warm-up.ts) the benchmark measures. */
const WARMED: readonly ModelKind[] = ['lr'];

/** As in sklearn_reference.py: quicker fits are timed twice, the second without JIT compilation or first-call costs. */
const AGAIN_BELOW = 2;

const pad = (s: string, n: number): string => s.padEnd(n);
const num = (x: number | undefined, digits: number): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

async function main(): Promise<void> {
  // `npm run bench -- lr scorecard` limits the run to those families.
  const asked = process.argv.slice(2).filter((a): a is ModelKind => (MODEL_KINDS as readonly string[]).includes(a));
  const kinds = asked.length ? asked : [...MODEL_KINDS];
  const withReference = sklearnAvailable();
  const { backend } = await loadTensorflow();
  console.log(`jointlab benchmark: fit time and test AUC; MLP on TensorFlow.js backend "${backend}"`);
  if (!withReference) console.log('scikit-learn reference skipped: /usr/bin/python3 cannot import sklearn (apt-get install python3-sklearn)');
  const tasks = [sharedTask(), syntheticTask(100_000, 30, 11)].filter((t): t is Task => t !== undefined);
  if (tasks.length === 1) console.log(`shared data skipped: ${SHARED} not found`);
  const dir = mkdtempSync(join(tmpdir(), 'jointlab-bench-'));
  try {
    for (const task of tasks) {
      console.log(`\n${task.name}`);
      let reference: Record<string, ReferenceFit> = {};
      if (withReference) {
        writeNumericCsv(join(dir, 'train.csv'), task.train);
        writeNumericCsv(join(dir, 'test.csv'), task.test);
        const r = runSklearn(join(dir, 'train.csv'), join(dir, 'test.csv'), kinds);
        reference = r.fits;
        console.log(`  reference: ${r.about}`);
      }
      console.log(`  ${pad('model', 10)} ${pad('AUC ours', 9)} ${pad('AUC sklearn', 11)} ${pad('cpu s ours', 10)} ${pad('cpu s sklearn', 13)} ${pad('ratio', 7)} ${pad('again: ours', 11)} ${pad('sklearn', 8)} ratio   (wall s ours, sklearn)`);
      for (const kind of kinds) {
        const ours = await fitOurs(kind, task);
        const ref = reference[kind];
        const ratio = (a?: number, b?: number): string => (a !== undefined && b !== undefined ? `${num(a / b, 2)}x` : '-');
        console.log(
          `  ${pad(kind, 10)} ${pad(num(ours.auc, 4), 9)} ${pad(num(ref?.auc, 4), 11)} ${pad(num(ours.cpuSeconds, 3), 10)} ${pad(num(ref?.cpuSeconds, 3), 13)} ${pad(ratio(ours.cpuSeconds, ref?.cpuSeconds), 7)} ` +
            `${pad(num(ours.again?.cpuSeconds, 3), 11)} ${pad(num(ref?.again?.cpuSeconds, 3), 8)} ${pad(ratio(ours.again?.cpuSeconds, ref?.again?.cpuSeconds), 7)} (${num(ours.seconds, 3)}, ${num(ref?.seconds, 3)})`,
        );
        if (WARMED.includes(kind)) {
          const fresh = await fitInWorker(kind, task, false);
          console.log(
            `  ${pad(`${kind}, first fit in a fresh worker`, 38)} ${pad(num(fresh.cpuSeconds, 3), 10)} ${pad(num(ref?.cpuSeconds, 3), 13)} ${pad(ratio(fresh.cpuSeconds, ref?.cpuSeconds), 7)} ` +
              `(nothing compiled before it, as in a fresh process; wall ${num(fresh.seconds, 3)})`,
          );
          const warmed = await fitInWorker(kind, task, true);
          console.log(
            `  ${pad(`${kind}, first fit in a warmed worker`, 38)} ${pad(num(warmed.cpuSeconds, 3), 10)} ${pad(num(ref?.cpuSeconds, 3), 13)} ${pad(ratio(warmed.cpuSeconds, ref?.cpuSeconds), 7)} ` +
              `(warm-up ${num(warmed.warmUpCpuSeconds, 3)} cpu s, paid once while the worker waits; wall ${num(warmed.seconds, 3)})`,
          );
        }
      }
    }
    console.log('\nTimes cover the fit only on both sides (jointlab: encoder + standardization + fit on in-memory columns; scikit-learn: scaler or binning + fit on a loaded array), one thread each (OMP_NUM_THREADS=1 for scikit-learn); ratios are of CPU seconds, which other processes on a shared machine disturb less than wall time. "again": the same fit repeated in the same process, as a long-running enclave runs it (JavaScript compiled, no first-call costs).');
    console.log('"first fit in a fresh worker": a new worker thread (its own V8 isolate) whose first fit this is: no JavaScript or WebAssembly of the model compiled before it, as in a fresh `jointlab train` process. Compared with scikit-learn\'s first fit.');
    console.log('"first fit in a warmed worker": a fresh worker thread, as each enclave job gets, that first ran the standby warm-up a long-running enclave (`jointlab enclave start`) runs while it waits for the job (a synthetic fit, models/warm-up.ts); the warm-up is not in the fit time, its cost is printed beside it. Compared with scikit-learn\'s first fit.');
    console.log('sklearn models: lr = StandardScaler + LogisticRegression(C=1); scorecard = 10 quantile bins one-hot + LogisticRegression; mlp = MLPClassifier(32, 16, early stopping); gbdt = HistGradientBoostingClassifier() with its defaults');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
