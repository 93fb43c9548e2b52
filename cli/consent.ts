/** `jointlab consent import FILE`: a steward loads information-subject authorizations into the enclave. */
import { Command } from 'commander';
import { printJson } from './output';
import { RemoteFlags, clientOf, readFileArg, remote } from './remote';

export function register(program: Command): void {
  const consent = program.command('consent').description('consent records (enterprise, bank, purpose, granted, expires)');
  remote(consent.command('import <file>').description('steward: import consent records from a CSV (enterprise_id, bank, purpose, granted, expires)')).action(
    async (file: string, flags: RemoteFlags) => {
      const r = await clientOf(flags).request<{ records: number }>('POST', 'v1/consents', { csv: readFileArg(file) });
      if (flags.json) printJson(r);
      else console.log(`imported ${r.records} consent records`);
    },
  );
}
