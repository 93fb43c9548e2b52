/**
 * `npm run bench [-- what...]`: with no argument every benchmark in turn; `scale [enterprises...] [--jobs-only]` the
 * scale benchmark; model families (`lr mlp`) the fit benchmark for those; a benchmark's name (`enclave`,
 * `he`) that one. npm appends arguments to the script's last command, so one entry point dispatches.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { MODEL_KINDS } from '../models/model';

/** Run in this order by `npm run bench`; `scale` is asked for by name (it takes minutes and gigabytes). */
const EVERY = ['run', 'enclave', 'he', 'he-safety', 'dp', 'scoring-noise', 'selection', 'psi', 'monitor', 'network'];
const BY_NAME = new Set([...EVERY, 'scale', 'he-isolation', 'he-training', 'he-scoring']);

function bench(name: string, args: string[]): void {
  const r = spawnSync(process.execPath, [join(__dirname, `${name}.js`), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const [first, ...rest] = process.argv.slice(2);
if (first === undefined) for (const name of EVERY) bench(name, []);
else if (BY_NAME.has(first)) bench(first, rest);
else if ((MODEL_KINDS as readonly string[]).includes(first)) bench('run', [first, ...rest]);
else {
  console.error(`unknown benchmark "${first}": name one of ${[...BY_NAME].join(', ')} or model families (${MODEL_KINDS.join(', ')})`);
  process.exit(2);
}
