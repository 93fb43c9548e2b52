/** `jointlab privacy budget`: a bank's differential-privacy budget, spent and remaining. */
import { Command } from 'commander';
import { printJson } from './output';
import { RemoteFlags, clientOf, remote } from './remote';
import type { PrivacyBudget } from '../lab/api/jobs';

export function register(program: Command): void {
  const privacy = program.command('privacy').description('differential privacy');
  remote(privacy.command('budget').description('epsilon budget, spent and remaining (a bank sees its own; stewards name --org)').option('--org <org>', 'stewards: the bank organization')).action(
    async (flags: RemoteFlags & { org?: string }) => {
      const view = await clientOf(flags).request<PrivacyBudget>('GET', 'v1/privacy/budget', { query: { org: flags.org } });
      if (flags.json) printJson(view);
      else console.log(`${view.org}: epsilon ${view.spent} spent of ${view.budget}, ${view.remaining} remaining`);
    },
  );
}
