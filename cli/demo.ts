/** `jointlab demo`: the whole story on synthetic data and a temporary enclave, the joint model against the bank-only one. */
import { Command, Option } from 'commander';
import { runDemo } from '../demo/story';
import { runNetworkDemo } from '../demo/network-story';
import { EXIT_CODES } from '../lab/errors';
import { progressBar } from '../lab/progress';
import { SYNTH_DEFAULTS } from '../lab/synth/generate';
import { MODEL_KINDS, ModelKind } from '../models/model';
import { integer } from './options';
import { printJson } from './output';

interface DemoFlags {
  encrypted: boolean;
  seed: number;
  model: ModelKind;
  keep?: boolean;
  json?: boolean;
  out: string | false;
  network?: boolean;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('the main job: a temporary enclave, synthetic data, a joint and a bank-only model trained after steward approval, only checked aggregates out')
    .option('--seed <n>', 'seed for data and models', integer, SYNTH_DEFAULTS.seed)
    .addOption(new Option('--model <kind>', 'model family').choices([...MODEL_KINDS]).default('scorecard'))
    .option('--keep', 'keep the temporary database and CSV files and print where they are')
    .option('--no-encrypted', 'skip the two homomorphic-encryption steps')
    .option('--out <dir>', "where to save the joint model's report and its PMML (or JSON) model", 'out/demo')
    .option('--no-out', 'save no files')
    .option('--network', 'the national network instead: a hub and three provincial enclaves on loopback, network models on securely summed statistics against each province\'s own, scores routed by province')
    .option('--json', 'print one JSON object instead of text')
    .action(async (flags: DemoFlags) => {
      let step = 0;
      const say = flags.json ? undefined : (line: string, isStep = true) => console.log(isStep ? `${++step}. ${line}` : line);
      if (flags.network) {
        const outcome = await runNetworkDemo({ seed: flags.seed, keep: flags.keep, say });
        if (!outcome.audit.every((a) => a.ok)) process.exitCode = EXIT_CODES.server;
        if (flags.json) printJson(outcome);
        else if (outcome.folder) console.log(`kept ${outcome.folder}`);
        return;
      }
      const bar = flags.json ? undefined : progressBar('training');
      const outcome = await runDemo({ seed: flags.seed, model: flags.model, keep: flags.keep, encrypted: flags.encrypted, out: flags.out || undefined, say, onProgress: bar?.update });
      bar?.done();
      if (!outcome.audit.ok) process.exitCode = EXIT_CODES.server;
      if (flags.json) {
        printJson(outcome);
        return;
      }
      say!(outcome.audit.ok ? `audit chain verified: ${outcome.audit.entries} entries` : `audit chain BROKEN at entry ${outcome.audit.firstBroken?.seq}`);
      if (outcome.folder) console.log(`kept ${outcome.folder}`);
    });
}
