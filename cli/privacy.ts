/** `jointlab privacy budget`: a bank's differential-privacy budget, spent and remaining; a steward's view of every bank's. */
import { Command } from 'commander';
import { EnclaveClient } from '../lab/client/enclave-client';
import { JointlabError } from '../lab/errors';
import { printJson, table } from './output';
import { RemoteFlags, clientOf, remote } from './remote';
import type { JobList, PrivacyBudget } from '../lab/api/jobs';
import type { UploadList } from '../lab/api/uploads';

const line = (view: PrivacyBudget) => `${view.org}: epsilon ${view.spent} spent of ${view.budget}, ${view.remaining} remaining`;

/**
 * The bank organizations a steward can see at work: those with uploads or jobs. Budgets belong to
 * organizations, and there is no list of them besides the principals, which the steward does not read.
 */
async function bankOrgs(client: EnclaveClient): Promise<string[]> {
  const { uploads } = await client.request<UploadList>('GET', 'v1/uploads');
  const { jobs } = await client.request<JobList>('GET', 'v1/jobs');
  return [...new Set([...uploads, ...jobs].map((x) => x.org))].sort();
}

export function register(program: Command): void {
  const privacy = program.command('privacy').description('differential privacy');
  remote(
    privacy
      .command('budget')
      .description("epsilon budget, spent and remaining (a bank sees its own; a steward sees every bank's, or one with --org)")
      .option('--org <org>', "stewards: one bank organization (default: every organization with uploads or jobs)"),
  ).action(async (flags: RemoteFlags & { org?: string }) => {
    const client = clientOf(flags);
    let view: PrivacyBudget;
    try {
      view = await client.request<PrivacyBudget>('GET', 'v1/privacy/budget', { query: { org: flags.org } });
    } catch (e) {
      // Only a steward is asked to name an organization: answer for each one it can see instead.
      if (!(e instanceof JointlabError) || e.code !== 'missing_parameter' || flags.org) throw e;
      const orgs = await bankOrgs(client);
      const views = await Promise.all(orgs.map((org) => client.request<PrivacyBudget>('GET', 'v1/privacy/budget', { query: { org } })));
      if (flags.json) printJson({ budgets: views });
      else if (!views.length) console.log('no bank organization has uploads or jobs yet; name one with --org ORG');
      else {
        console.log(table([['org', 'budget', 'spent', 'remaining'], ...views.map((v) => [v.org, String(v.budget), String(v.spent), String(v.remaining)])]));
        console.log('one organization: jointlab privacy budget --org ORG');
      }
      return;
    }
    if (flags.json) printJson(view);
    else console.log(line(view));
  });
}
