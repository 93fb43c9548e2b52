/** `jointlab network`: an enclave joins the network; a bank submits, runs and follows network jobs at the hub. */
import { Command } from 'commander';
import { printJson } from './output';
import { openDbFile } from './db-file';
import { clientOf, readIdList, readJsonArg, remote, RemoteFlags } from './remote';
import type { HubJobView, HubMember } from '../lab/api/network';
import type { NetworkPeer, NetworkPeers } from '../lab/api/network-peers';
import { scoreAcrossNetwork } from '../lab/client/network-score';
import { JointlabError } from '../lab/errors';
import { formatCsv } from '../lab/data/csv';

const SETTLED = ['released', 'withheld', 'rejected', 'failed', 'interrupted', 'refused'];

function printJob(job: HubJobView, json?: boolean): void {
  if (json) return printJson(job);
  console.log(`${job.id}  ${job.name}  ${job.state}${job.reason ? ` (${job.reason})` : ''}`);
  if (job.refusal) console.log(`  refused by province ${job.refusal.province}: ${job.refusal.code} (its steward reads the rule in that enclave's audit log; submit a changed job, running this one again would not help)`);
  else if (job.state === 'interrupted') console.log('  interrupted: a province dropped out of a round; run the job again (jointlab network run) once every province answers');
  for (const p of job.provinces) console.log(`  province ${p.province}: ${p.state}${p.reason ? ` (${p.reason})` : ''}`);
  console.log(`  rounds: ${job.rounds.completed} summed, ${job.rounds.aborted} aborted`);
  const metrics = job.result?.released.metrics;
  if (metrics?.test) console.log(`  test AUC ${metrics.test.auc}  KS ${metrics.test.ks}  (train rows ${metrics.rows.train}, test rows ${metrics.rows.test})`);
  for (const w of job.result?.withheld ?? []) console.log(`  withheld ${w.part}: ${w.reason}`);
}

export function register(program: Command): void {
  const network = program.command('network').description('the national network: membership of an enclave, network jobs at the hub');
  network
    .command('join')
    .description("operator, on the enclave's database file: print its X25519 identity key and issue the token the hub will call it with (replaces any earlier token)")
    .option('--db <file>', 'SQLite database file of the enclave', process.env.JOINTLAB_DB ?? 'jointlab.db')
    .option('--json', 'print one JSON object instead of text')
    .action(async (flags: { db: string; json?: boolean }) => {
      const { db } = await openDbFile(flags.db, 'create');
      try {
        const issued = await db.issueHubToken();
        if (flags.json) printJson(issued);
        else console.log(`identity key (give it to the hub's admin): ${issued.publicKey}\nhub token (shown once): ${issued.token}`);
      } finally {
        await db.close();
      }
    });
  remote(
    network
      .command('pin')
      .description("steward: pin another member's X25519 identity key (compare its fingerprint with that province's steward first); network jobs whose roster lists any other key are refused")
      .requiredOption('--province <code>', "the member's two-digit province code")
      .requiredOption('--key <base64>', "the member's identity key, as `jointlab network join` printed it there")
      .option('--db <file>', "pin on this enclave's database file directly (operator, no server)"),
  ).action(async (flags: RemoteFlags & { province: string; key: string; db?: string }) => {
    let peer: NetworkPeer;
    if (flags.db) {
      const { db } = await openDbFile(flags.db, 'existing');
      try {
        peer = await db.pinNetworkPeer(flags.province, flags.key);
      } finally {
        await db.close();
      }
    } else peer = await clientOf(flags).request<NetworkPeer>('POST', 'v1/network-peers', { json: { province: flags.province, publicKey: flags.key } });
    if (flags.json) printJson(peer);
    else console.log(`pinned province ${peer.province}: key ${peer.publicKey} (fingerprint ${peer.fingerprint})`);
  });
  remote(network.command('peers').description("steward: this enclave's own key and the members' keys it has pinned, with fingerprints")).action(async (flags: RemoteFlags) => {
    const peers = await clientOf(flags).request<NetworkPeers>('GET', 'v1/network-peers');
    if (flags.json) return printJson(peers);
    if (peers.own) console.log(`this enclave: province ${peers.own.province}  ${peers.own.fingerprint}`);
    for (const p of peers.peers) console.log(`pinned ${p.province}  ${p.fingerprint}  (by ${p.pinnedBy} at ${p.pinnedAt})`);
    if (!peers.peers.length) console.log('no members pinned: every network job will be refused');
  });
  remote(network.command('submit').description('submit a network job to the hub (bank)').requiredOption('--spec <file>', 'network job JSON: name, purpose, provinces, platform, bank, label')).action(async (flags: RemoteFlags & { spec: string }) => {
    printJob(await clientOf(flags).request<HubJobView>('POST', 'v1/jobs', { json: readJsonArg(flags.spec) }), flags.json);
  });
  remote(network.command('run <id>').description('start training once every province approved (bank)').option('--wait', 'follow the job until it settles')).action(async (id: string, flags: RemoteFlags & { wait?: boolean }) => {
    const client = clientOf(flags);
    let job = await client.request<HubJobView>('POST', `v1/jobs/${encodeURIComponent(id)}/run`);
    while (flags.wait && !SETTLED.includes(job.state)) {
      await new Promise((r) => setTimeout(r, 500));
      job = await client.request<HubJobView>('GET', `v1/jobs/${encodeURIComponent(id)}`);
    }
    printJob(job, flags.json);
  });
  remote(
    network
      .command('score <job>')
      .description("score applicants of any province: each id goes to the enclave of its USCC's province (addresses from the hub), the answers come back together")
      .requiredOption('--ids <file>', 'applicant ids (a CSV with an id column, or one id per line)')
      .requiredOption('--tokens <file>', 'JSON object of your bank token at each province\'s enclave: {"44": "jl_...", ...}')
      .option('--part <part>', 'full (platform-only models) or platform (the platform part of a joint model)', 'full'),
  ).action(async (job: string, flags: RemoteFlags & { ids: string; tokens: string; part: string }) => {
    if (flags.part !== 'full' && flags.part !== 'platform') throw new JointlabError('bad_part', '--part must be full or platform', 'usage');
    const tokens = readJsonArg(flags.tokens) as Record<string, unknown>;
    const { members } = await clientOf(flags).request<{ members: HubMember[] }>('GET', 'v1/members');
    for (const m of members) if (typeof tokens[m.province] !== 'string') process.stderr.write(`jointlab: no bank token for province ${m.province} in ${flags.tokens}: its applicants are refused\n`);
    const endpoints = members.filter((m) => typeof tokens[m.province] === 'string').map((m) => ({ province: m.province, url: m.url, token: tokens[m.province] as string }));
    const routed = await scoreAcrossNetwork(endpoints, job, readIdList(flags.ids), flags.part);
    if (flags.json) return printJson(routed);
    const value = flags.part === 'platform' ? 'platform_part' : 'score';
    process.stdout.write(formatCsv(['id', 'province', value], routed.scores.map((r) => [r.id, r.province, String(flags.part === 'platform' ? r.value : r.score)])));
    for (const r of routed.refused) process.stderr.write(`refused ${r.id}${r.province ? ` (province ${r.province})` : ''}: ${r.reason}\n`);
  });
  remote(network.command('show <id>').description("a network job's state in every province, its rounds and released result")).action(async (id: string, flags: RemoteFlags) => {
    printJob(await clientOf(flags).request<HubJobView>('GET', `v1/jobs/${encodeURIComponent(id)}`), flags.json);
  });
}
