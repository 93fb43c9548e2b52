/** `jointlab consent import FILE`: a steward loads information-subject authorizations into the enclave. */
import { Command } from 'commander';
import { printJson, table } from './output';
import { RemoteFlags, clientOf, readFileArg, remote } from './remote';
import type { ConsentCounts, ConsentImport, ConsentRevocation } from '../lab/api/consents';

export function register(program: Command): void {
  const consent = program.command('consent').description('consent records (enterprise, bank, purpose, granted, expires)');
  remote(consent.command('import <file>').description('steward: import consent records from a CSV (enterprise_id, bank, purpose, granted, expires)')).action(
    async (file: string, flags: RemoteFlags) => {
      const r = await clientOf(flags).request<ConsentImport>('POST', 'v1/consents', { csv: readFileArg(file) });
      if (flags.json) printJson(r);
      else console.log(`imported ${r.records} consent records`);
    },
  );
  remote(
    consent
      .command('revoke')
      .description("steward: revoke an enterprise's consents for a bank; takes effect on the next request")
      .requiredOption('--enterprise <id>', 'enterprise id (Unified Social Credit Code)')
      .requiredOption('--bank <org>', 'the bank the consent was granted to')
      .option('--purpose <purpose>', 'training, scoring or report (default: all)'),
  ).action(async (flags: RemoteFlags & { enterprise: string; bank: string; purpose?: string }) => {
    const r = await clientOf(flags).request<ConsentRevocation>('POST', 'v1/consents/revoke', { json: { enterprise: flags.enterprise, bank: flags.bank, ...(flags.purpose ? { purpose: flags.purpose } : {}) } });
    if (flags.json) printJson(r);
    else console.log(`revoked ${r.revoked} consent record${r.revoked === 1 ? '' : 's'}`);
  });
  remote(consent.command('counts').description('steward: consents per bank and purpose by status (counts under k suppressed)')).action(async (flags: RemoteFlags) => {
    const r = await clientOf(flags).request<ConsentCounts>('GET', 'v1/consents/counts');
    if (flags.json) printJson(r);
    else if (!r.counts.length) console.log('no consent records');
    else {
      const cell = (n: number | null): string => (n === null ? `<${r.k}` : String(n));
      console.log(table([['bank', 'purpose', 'in force', 'revoked', 'expired', 'pending'], ...r.counts.map((c) => [c.bank, c.purpose, cell(c.active), cell(c.revoked), cell(c.expired), cell(c.pending)])]));
    }
  });
}
