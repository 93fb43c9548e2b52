/** `jointlab demo`: synthetic data, then the joint model and the bank-only model side by side. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { BANK_COLUMNS, SYNTH_DEFAULTS } from '../lab/synth/generate';
import { writeSynth } from '../lab/synth/write';
import { progressBar } from '../lab/progress';
import { train } from '../lab/train';
import { MODEL_KINDS, ModelKind } from '../models/model';
import { integer } from './options';
import { fixed, printJson, table } from './output';

interface DemoFlags {
  seed: number;
  model: ModelKind;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the main story on synthetic data: the joint model (bank + platform features) against the bank-only model')
    .option('--seed <n>', 'seed for data and models', integer, SYNTH_DEFAULTS.seed)
    .addOption(new Option('--model <kind>', 'model family').choices([...MODEL_KINDS]).default('scorecard'))
    .option('--json', 'print one JSON object instead of text')
    .action(async (flags: DemoFlags) => {
      const dir = mkdtempSync(join(tmpdir(), 'jointlab-demo-'));
      try {
        const { files } = writeSynth({ ...SYNTH_DEFAULTS, seed: flags.seed }, dir);
        const common = { id: 'id', label: 'default_12m', model: flags.model, testFraction: 0.3, seed: flags.seed };
        const bankFeatures = BANK_COLUMNS.filter((c) => c !== 'id' && c !== 'default_12m');
        const runs = [];
        for (const [name, data, features] of [
          ['bank only', [files.bank], bankFeatures],
          ['joint', [files.bank, files.platform], undefined],
        ] as const) {
          const bar = flags.json ? undefined : progressBar(`training ${name}`);
          runs.push({ name, result: await train({ ...common, data: [...data], features: features ? [...features] : undefined, onProgress: bar?.update }) });
          bar?.done();
        }
        const [bankOnly, joint] = runs.map((r) => r.result);
        const lift = joint.metrics.test.auc - bankOnly.metrics.test.auc;
        if (flags.json) {
          printJson({
            model: flags.model,
            runs: runs.map(({ name, result }) => ({ name, features: result.features.length, rows: result.rows, metrics: result.metrics, backend: result.backend, seconds: result.seconds })),
            lift: { auc: lift },
          });
          return;
        }
        console.log(`${flags.model} on ${SYNTH_DEFAULTS.bankCustomers} synthetic bank customers, 30% held out (seed ${flags.seed})`);
        console.log(
          table([
            ['model', 'features', 'test AUC', 'test KS'],
            ...runs.map(({ name, result }) => [name, String(result.features.length), fixed(result.metrics.test.auc), fixed(result.metrics.test.ks)]),
          ]),
        );
        console.log(`joint lift in test AUC: ${lift >= 0 ? '+' : ''}${fixed(lift)}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
}
