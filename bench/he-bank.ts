/**
 * The bank's side of one encrypted-label training, run as a process of its own, as `jointlab he train
 * --job` runs it on the bank's machine: `node dist/bench/he-bank.js <url> <token> <job> <labels.json>`
 * prints the training's result (steps, rounds, bytes) as one JSON line. The HE training benchmark
 * starts one per run, so the bank's keys and its decryption thread's SEAL start are paid in the bank's
 * process, not on the enclave's event loop (which in one process they would block while the enclave prepares the job).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { heTrain } from '../lab/he/protocols';
import { EnclaveClient } from '../lab/client/enclave-client';

async function main(): Promise<void> {
  const [url, token, job, labelsFile] = process.argv.slice(2);
  const labels = JSON.parse(readFileSync(labelsFile, 'utf8')) as { ids: string[]; values: number[] };
  const loaded = performance.now() / 1000;
  const result = await heTrain({ client: new EnclaveClient(url, token), job, paramSet: 'n16384', labels: { ids: labels.ids, values: Uint8Array.from(labels.values) } });
  // `loaded`: seconds from the process's start to the training's first step (Node and the modules).
  console.log(JSON.stringify({ ...result, model: undefined, loaded }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
