/** `jointlab scoring ...`: a dataset's scoring policy (model budget, score noise) and how far banks have used the budget. */
import { Command, InvalidArgumentError } from 'commander';
import { positiveInteger } from './options';
import { printJson, table } from './output';
import { RemoteFlags, clientOf, remote } from './remote';
import type { DatasetScoringPolicy, ScoringBudget, ScoringPolicy } from '../lab/api/scoring';

function nonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0)) throw new InvalidArgumentError('expected a number of at least 0');
  return n;
}

function describePolicy(dataset: string, p: ScoringPolicy): string {
  return (
    `${dataset}: an enterprise may be scored for one bank by at most ${p.modelsPerWindow} distinct model${p.modelsPerWindow === 1 ? '' : 's'} in ${p.windowDays} days; ` +
    `score noise: each platform value replaced by another enterprise's with probability ${p.noiseSwap}, plus Gaussian noise of ${p.noiseSd} sd on numeric values`
  );
}

type PolicyFlags = RemoteFlags & { modelsPerWindow?: number; windowDays?: number; noiseSwap?: number; noiseSd?: number };

export function register(program: Command): void {
  const scoring = program.command('scoring').description('scoring policy of a dataset: model budget and score noise');
  remote(
    scoring
      .command('policy <dataset>')
      .description('show the scoring policy; stewards change it with the options')
      .option('--models-per-window <n>', 'distinct models that may score one enterprise for one bank in the window (default 2)', positiveInteger)
      .option('--window-days <n>', 'length of the window in days (default 30)', positiveInteger)
      .option('--noise-swap <p>', "probability that a platform value is replaced by another enterprise's (0 to 0.9, default 0.25)", nonNegative)
      .option('--noise-sd <s>', 'Gaussian noise on standardized numeric values, in standard deviations (0 to 5, default 0)', nonNegative),
  ).action(async (dataset: string, flags: PolicyFlags) => {
    const change = Object.fromEntries((['modelsPerWindow', 'windowDays', 'noiseSwap', 'noiseSd'] as const).filter((k) => flags[k] !== undefined).map((k) => [k, flags[k]]));
    const path = `v1/scoring/policy/${encodeURIComponent(dataset)}`;
    const client = clientOf(flags);
    const policy = Object.keys(change).length ? await client.request<DatasetScoringPolicy>('PUT', path, { json: change }) : await client.request<DatasetScoringPolicy>('GET', path);
    if (flags.json) printJson(policy);
    else console.log(describePolicy(dataset, policy));
  });
  remote(scoring.command('budget <dataset>').description('model-budget use: enterprises by how many distinct models scored them (a bank sees its own)').option('--bank <org>', 'stewards: one bank organization')).action(
    async (dataset: string, flags: RemoteFlags & { bank?: string }) => {
      const view = await clientOf(flags).request<ScoringBudget>('GET', `v1/scoring/budget/${encodeURIComponent(dataset)}`, { query: { bank: flags.bank } });
      if (flags.json) return printJson(view);
      console.log(describePolicy(dataset, view.policy));
      if (!view.banks.length) return console.log('no enterprise was scored in the window');
      // A bank's counts under k come back suppressed (null).
      const show = (n: number | null) => (n === null ? '<k' : String(n));
      console.log(
        table([
          ['bank', 'models', 'enterprises by models that scored them', 'at the limit'],
          ...view.banks.map((b) => [b.bank, String(b.models), b.byModels.map((x) => `${x.models}: ${show(x.enterprises)}`).join(', '), show(b.atLimit)]),
        ]),
      );
    },
  );
}
