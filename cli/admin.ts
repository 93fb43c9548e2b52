/** `jointlab admin add-principal`: the operator issues API tokens on the enclave's own disk. */
import { Command } from 'commander';
import { addPrincipal } from '../enclave/auth/principals';
import { openStore } from '../enclave/store/schema';
import { ROLES } from '../lab/spec/policy';
import { printJson } from './output';

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
      const db = await openStore(flags.db);
      try {
        const { principal, token } = await addPrincipal(db, flags, 'operator');
        if (flags.json) printJson({ ...principal, token });
        else {
          console.log(`added ${principal.role} "${principal.name}" of ${principal.org} (${principal.id})`);
          console.log(`token (shown once): ${token}`);
        }
      } finally {
        await db.close();
      }
    });
}
