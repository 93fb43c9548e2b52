/**
 * HE benchmark, printed as ratios in one run: encrypted scoring throughput in steady state against
 * the plaintext scoring path with the same model on the same rows (30 features), the time of each
 * SEAL step, encrypted-label training wall time against
 * plaintext training on the same data, bytes sent each way, and what running SEAL in the isolated
 * worker pool costs against the same calls in the calling thread (`he-isolation.ts`).
 */
import { benchIsolation } from './he-isolation';
import { benchSteadyScoring } from './he-scoring';
import { benchSteps } from './he-steps';
import { benchKeys, benchRoundSteps, benchTraining } from './he-training';
import { withHeBenchEnclave } from './he-enclave';

async function main(): Promise<void> {
  await withHeBenchEnclave('he', async (clients) => {
    console.log('HE benchmark (node-seal 6.0.3, CKKS; the enclave in-process, real HTTP on loopback)');
    if (await benchTraining(clients)) {
      await benchRoundSteps();
      await benchKeys();
    }
    await benchSteadyScoring(clients);
    await benchSteps();
    await benchIsolation();
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
