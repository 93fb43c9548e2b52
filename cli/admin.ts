/** `jointlab admin add-principal`: the operator issues API tokens on the enclave's own disk. */
import { Command } from 'commander';
import { ROLES } from '../lab/spec/policy';
import { printJson } from './output';
import { openDbFile } from './db-file';

interface AddFlags {
  name: string;
  role: string;
  org: string;
  db: string;
  json?: boolean;
}

export function register(program: Command): void {
  const admin = program.command('admin').description("operator tasks on the enclave's database file");
  admin
    .command('add-principal')
    .description('create a principal and print its API token (shown this once; only a hash is stored)')
    .requiredOption('--name <name>', 'who the token is for')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .requiredOption('--org <org>', 'organization (a bank sees only its organization\'s objects)')
    .option('--db <file>', 'SQLite database file of the enclave', process.env.JOINTLAB_DB ?? 'jointlab.db')
    .option('--json', 'print one JSON object instead of text')
    .action(async (flags: AddFlags) => {
      // The operator may issue the first token before the enclave has ever started, so a new file is
      // allowed, but said out loud: a mistyped --db would otherwise hand out a token nobody accepts.
      const { db, created } = await openDbFile(flags.db, 'create');
      try {
        const { principal, token } = await db.addPrincipal(flags);
        if (created) process.stderr.write(`jointlab: created a new database ${flags.db} (no enclave has used it yet; start one with --db ${flags.db})\n`);
        if (flags.json) printJson({ ...principal, token, createdDatabase: created });
        else {
          console.log(`added ${principal.role} "${principal.name}" of ${principal.org} (${principal.id})`);
          console.log(`token (shown once): ${token}`);
        }
      } finally {
        await db.close();
      }
    });
}
