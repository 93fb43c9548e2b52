/** Runs scikit-learn beside jointlab in the same benchmark run, when Debian's python3-sklearn is there. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, '..', '..', 'bench', 'sklearn_reference.py');

export function sklearnAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0;
}

export interface ReferenceFit {
  auc: number;
  /** Wall-clock seconds of the fit. */
  seconds: number;
  /** CPU seconds (user + system) of the fit: steadier than wall time on a machine others share. */
  cpuSeconds: number;
  /** A second fit in the same process, when the first was quick (under 2 s): one-off costs gone. */
  again?: { seconds: number; cpuSeconds: number };
}

/** One thread for every BLAS and OpenMP pool scikit-learn may use, as jointlab's fits run on one. */
const ONE_THREAD = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

export function runSklearn(trainCsv: string, testCsv: string, models: string[]): { fits: Record<string, ReferenceFit>; about: string } {
  const r = spawnSync(PYTHON, [SCRIPT, trainCsv, testCsv, models.join(',')], { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, ...ONE_THREAD } });
  if (r.status !== 0) throw new Error(`scikit-learn reference failed: ${r.stderr.trim().split('\n').pop()}`);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  const about = `scikit-learn ${String(out._version)}${out._blas ? `, ${(out._blas as string[]).join('; ')}` : ''}`;
  const fits: Record<string, ReferenceFit> = {};
  for (const m of models) fits[m] = out[m] as ReferenceFit;
  return { fits, about };
}
