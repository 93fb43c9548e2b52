/**
 * Worker thread for `npm run bench -- lr`: a fresh isolate, as each enclave job's worker is, that runs
 * the standby worker's warm-up (models/warm-up.ts) and then the timed fit, reporting both; without the
 * warm-up, the first fit of a fresh process (`jointlab train`), nothing of the model compiled before it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { families } from '../models';
import { Frame } from '../models/frame';
import { ModelKind } from '../models/model';
import { warmUpFits } from '../models/warm-up';

export interface WarmedFitInput {
  kind: ModelKind;
  frame: Frame;
  labels: Uint8Array;
  /** false: no warm-up, the fit is the isolate's first. */
  warmUp: boolean;
}

export interface WarmedFitTimes {
  /** CPU seconds of the warm-up, paid while the enclave waits for a job (0 without one). */
  warmUpCpuSeconds: number;
  /** The fit after it: wall and CPU seconds. */
  seconds: number;
  cpuSeconds: number;
}

const cpuSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

async function main(input: WarmedFitInput): Promise<WarmedFitTimes> {
  const warmStarted = process.cpuUsage();
  if (input.warmUp) await warmUpFits();
  const warmUpCpuSeconds = input.warmUp ? cpuSince(warmStarted) : 0;
  // As the enclave's standby does, the job arrives some time after the warm-up: V8's compiler threads
  // are done (and without one, the worker's own start-up work is).
  await new Promise((done) => setTimeout(done, 250));
  const family = families[input.kind];
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  await family.fit(input.frame, input.labels, family.defaults, { seed: 42 });
  return { warmUpCpuSeconds, seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: cpuSince(cpuStarted) };
}

if (parentPort) void main(workerData as WarmedFitInput).then((times) => parentPort!.postMessage(times));
