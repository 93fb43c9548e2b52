/** `jointlab hub`: run the network hub, issue its tokens, register member enclaves. */
import { Command, Option } from 'commander';
import { integer } from './options';
import { printJson } from './output';
import { assertDbPath, dbOpenError } from './db-file';
import { clientOf, remote, RemoteFlags } from './remote';
import { addHubPrincipal, startHub } from '../hub/service';
import type { HubMember } from '../lab/api/network';

interface StartFlags {
  port: number;
  host: string;
  db: string;
  keyFile?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  const hub = program.command('hub').description('the national network hub: member enclaves, network jobs, secure aggregation of their statistics');
  hub
    .command('start')
    .description('serve the hub API over one SQLite file until SIGTERM or SIGINT')
    .addOption(new Option('--port <n>', 'TCP port (0 picks a free one)').argParser(integer).env('JOINTLAB_HUB_PORT').default(8090))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .addOption(new Option('--db <file>', 'SQLite database file of the hub (created on start)').env('JOINTLAB_HUB_DB').default('jointlab-hub.db'))
    .addOption(new Option('--key-file <file>', "key the members' tokens are sealed under, kept outside the database (created on first start; default: the database file's name + .key)").env('JOINTLAB_HUB_KEY_FILE'))
    .option('--quiet', 'do not log requests')
    .action(async (flags: StartFlags) => {
      const log = flags.quiet ? () => undefined : (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      assertDbPath(flags.db, 'create');
      const running = await startHub({ db: flags.db, port: flags.port, host: flags.host, keyFile: flags.keyFile, log }).catch((e: unknown) => {
        throw dbOpenError(flags.db, e);
      });
      // The first line on stdout is the address, so scripts (and tests) can start on port 0 and read it.
      process.stdout.write(`jointlab hub listening on ${running.url}\n`);
      const shutdown = (): void => void running.close().then(() => process.exit(0));
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    });
  hub
    .command('add-principal')
    .description("issue a hub token on the hub's database file: admin (registers members) or bank (submits network jobs)")
    .requiredOption('--name <name>', 'who the token is for')
    .requiredOption('--role <role>', 'admin or bank')
    .requiredOption('--org <org>', "organization (a bank sees only its organization's jobs)")
    .option('--db <file>', 'SQLite database file of the hub', process.env.JOINTLAB_HUB_DB ?? 'jointlab-hub.db')
    .option('--json', 'print one JSON object instead of text')
    .action(async (flags: { name: string; role: string; org: string; db: string; json?: boolean }) => {
      assertDbPath(flags.db, 'create');
      const added = await addHubPrincipal(flags.db, flags);
      if (flags.json) printJson({ ...added, name: flags.name, role: flags.role, org: flags.org });
      else console.log(`added ${flags.role} "${flags.name}" of ${flags.org}\ntoken (shown once): ${added.token}`);
    });
  remote(
    hub
      .command('add-member')
      .description('register a member enclave (admin): the hub asks it who it is and pins its province and identity key')
      .requiredOption('--province <code>', 'two-digit province code of the member')
      .requiredOption('--member-url <url>', "the member enclave's address")
      .requiredOption('--member-token <token>', 'the token the member issued to the hub (jointlab network join)')
      .requiredOption('--public-key <base64>', "the member's X25519 identity key, as its operator gave it out of band"),
  ).action(async (flags: RemoteFlags & { province: string; memberUrl: string; memberToken: string; publicKey: string }) => {
    const member = await clientOf(flags).request<HubMember>('POST', 'v1/members', { json: { province: flags.province, url: flags.memberUrl, token: flags.memberToken, publicKey: flags.publicKey } });
    if (flags.json) printJson(member);
    else console.log(`member ${member.province} (${member.name}) at ${member.url}, key ${member.publicKey}, datasets: ${member.datasets.map((d) => d.name).join(', ') || 'none'}`);
  });
  remote(hub.command('members').description('list the member enclaves with their province, pinned key and datasets')).action(async (flags: RemoteFlags) => {
    const { members } = await clientOf(flags).request<{ members: HubMember[] }>('GET', 'v1/members');
    if (flags.json) printJson({ members });
    else for (const m of members) console.log(`${m.province}  ${m.name.padEnd(14)} ${m.url}  key ${m.publicKey}  ${m.standard ? `${m.standard.name} v${m.standard.version}` : 'no standard'}`);
  });
}
