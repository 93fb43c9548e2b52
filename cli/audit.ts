/** `jointlab audit verify | tail`: check the hash chain and read the latest entries, over HTTP or straight from the database file. */
import { Command } from 'commander';
import type { OperatorStore } from '../enclave/service';
import { EXIT_CODES } from '../lab/errors';
import { positiveInteger } from './options';
import { printJson, table } from './output';
import { RemoteFlags, clientOf, remote } from './remote';
import { openDbFile } from './db-file';
import type { AuditEntry, AuditTail } from '../lab/api/audit';

interface AuditFlags extends RemoteFlags {
  db?: string;
  lines: number;
}

/** With --db the file is read directly (the operator's way, no server needed); otherwise the API is asked. A missing file is an error, never a new empty database. */
async function viaDbOrApi<T>(flags: AuditFlags, local: (store: OperatorStore) => Promise<T>, path: string): Promise<T> {
  if (!flags.db) return clientOf(flags).request<T>('GET', path);
  const { db } = await openDbFile(flags.db, 'existing');
  try {
    return await local(db);
  } finally {
    await db.close();
  }
}

export function register(program: Command): void {
  const audit = program.command('audit').description('the append-only, hash-chained audit log');
  remote(audit.command('verify').description('check every link of the chain; names the first broken entry').option('--db <file>', 'read this database file directly')).action(
    async (flags: AuditFlags) => {
      const verdict = await viaDbOrApi(flags, (store) => store.verifyAudit(), 'v1/audit/verify');
      if (flags.json) printJson(verdict);
      else if (verdict.ok) console.log(`audit chain verified: ${verdict.entries} entries`);
      else console.log(`audit chain BROKEN at entry ${verdict.firstBroken!.seq}: ${verdict.firstBroken!.problem}`);
      // A broken chain is a finding, not a crash: report it and exit non-zero.
      if (!verdict.ok) process.exitCode = EXIT_CODES.validation;
    },
  );
  remote(
    audit
      .command('tail')
      .description('the latest entries')
      .option('-n, --lines <n>', 'how many', positiveInteger, 20)
      .option('--db <file>', 'read this database file directly'),
  ).action(async (flags: AuditFlags) => {
    const { entries } = await viaDbOrApi<AuditTail>(flags, (store) => store.tailAudit(flags.lines), `v1/audit?limit=${flags.lines}`);
    if (flags.json) printJson({ entries });
    else console.log(table([['seq', 'at', 'actor', 'action', 'object'], ...entries.map((e: AuditEntry) => [String(e.seq), e.at, e.actor, e.action, e.object])]));
  });
}
