/** Worker thread that fits one model, so that training never blocks the enclave's HTTP API. */
import { parentPort, workerData } from 'node:worker_threads';
import { families } from '../../models';
import { Encoder } from '../../models/encoding';
import { cellNoise, noiseFromKey } from '../release/population';
import { Frame } from '../../models/frame';
import { binaryMetrics } from '../../models/metrics';
import { ModelKind } from '../../models/model';
import { PrivacyParams, withDifferentialPrivacy } from '../../models/privacy/dp-logistic';
import { DP_SGD_DEFAULTS, withDpSgd } from '../../models/privacy/dp-sgd';
import { withPrivateScorecard } from '../../models/privacy/dp-scorecard';
import { SelectionResult } from '../../models/selection/path';
import { SelectionInput, runSelection } from './selection-step';
import { warmUpFits } from '../../models/warm-up';

export interface WorkerInput {
  family: ModelKind;
  /** Differential privacy: the family is wrapped by its mechanism. */
  privacy?: PrivacyParams;
  params: Record<string, unknown>;
  /** The standardization to fit with (the enclave's population-independent one); fitted on the rows when absent. */
  encoder?: Encoder;
  /** Key of the population's noise: scorecard bin counts get their noise before WOE (enclave/release/population.ts). */
  noiseKey?: string;
  /** Numeric columns that are 0/1 flags across their whole source. */
  flags?: string[];
  seed: number;
  /** Feature selection to run on the training rows before the fit (plaintext lr and scorecard). */
  selection?: SelectionInput;
  train: { frame: Frame; labels: Uint8Array };
  test: { frame: Frame; labels: Uint8Array };
}

export type WorkerMessage =
  | { type: 'progress'; done: number; total: number; note?: string }
  | {
      type: 'result';
      model: unknown;
      description: Record<string, unknown>;
      backend: string;
      seconds: number;
      metrics: { train: ReturnType<typeof binaryMetrics>; test: ReturnType<typeof binaryMetrics> };
      testScores: Float64Array;
      selection?: SelectionResult;
    }
  | { type: 'error'; code: string; message: string };

async function run(input: WorkerInput): Promise<void> {
  const started = process.hrtime.bigint();
  // Privacy mechanisms wrap the family they protect.
  const family = !input.privacy
    ? families[input.family]
    : input.family === 'mlp'
      ? withDpSgd({ ...DP_SGD_DEFAULTS, epsilon: input.privacy.epsilon })
      : input.family === 'scorecard'
        ? withPrivateScorecard(input.privacy)
        : withDifferentialPrivacy(input.privacy);
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  if (input.selection) post({ type: 'progress', done: 0, total: 1, note: 'selecting features' });
  const selected = input.selection ? runSelection(input.family, input.params, input.seed, input.selection, input) : undefined;
  const { train, test, encoder } = selected ?? input;
  const model = await family.fit(train.frame, train.labels, input.params as never, {
    seed: input.seed,
    ...(encoder ? { encoder } : {}),
    ...(input.noiseKey ? { countNoise: cellNoise(noiseFromKey(input.noiseKey)) } : {}),
    ...(input.flags ? { flags: new Set(input.flags) } : {}),
    onProgress: (done, total, note) => post({ type: 'progress', done, total, note }),
  });
  const description = model.describe();
  const trainScores = await model.predict(train.frame);
  const testScores = await model.predict(test.frame);
  post({
    type: 'result',
    model: model.toJSON(),
    description,
    // The model says what trained it (DP-SGD runs in plain JavaScript, not on TensorFlow.js).
    backend: typeof description.backend === 'string' ? description.backend : 'js',
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    metrics: { train: binaryMetrics(train.labels, trainScores), test: binaryMetrics(test.labels, testScores) },
    testScores,
    ...(selected ? { selection: selected.selection } : {}),
  });
}

/** workerData of a standby worker: it compiles the fitting code, then waits for its job as its first message. */
export const STANDBY = 'standby';

function runOrReport(input: WorkerInput): void {
  run(input).catch((e: unknown) => {
    // The message is not passed on: a library error could quote data. The runner records a fixed reason.
    parentPort!.postMessage({ type: 'error', code: (e as { code?: string })?.code ?? 'training_error', message: 'training failed' } satisfies WorkerMessage);
  });
}

if (parentPort) {
  if (workerData !== STANDBY) runOrReport(workerData as WorkerInput);
  else {
    // The job may arrive while the warm-up runs: it waits in the port's queue until the warm-up ends
    // (a warm-up that fails changes nothing but the speed of the fit after it).
    const warm = warmUpFits().catch(() => undefined);
    parentPort.once('message', (input: WorkerInput) => void warm.then(() => runOrReport(input)));
  }
}
