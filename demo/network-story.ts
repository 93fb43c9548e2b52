/**
 * `jointlab demo --network`: the national network on loopback. A hub and three provincial enclaves
 * start over temporary SQLite files; each province's steward imports its own synthetic platform table
 * (checked against the network standard); the bank aligns its customer list with each enclave by private
 * set intersection and uploads only the customers that province holds; the hub's admin registers the
 * members, pinning their keys; the bank submits a network logistic regression and a network scorecard,
 * every steward approves in its own enclave, the hub trains on securely summed statistics; each
 * province's own model is trained for comparison; the bank scores consented applicants of all three
 * provinces through one routed call; every enclave's audit chain verifies.
 */
import { uploadWithPsi } from '../lab/client/psi-upload';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnclaveClient } from '../lab/client/enclave-client';
import { scoreAcrossNetwork } from '../lab/client/network-score';
import { parseCsv } from '../lab/data/csv';
import { JointlabError } from '../lab/errors';
import { isFinal } from '../lab/lifecycle';
import { PROVINCES } from '../lab/network/province';
import { SME_NETWORK_STANDARD } from '../lab/network/sme-standard';
import { SynthFiles, writeProvinceSynth } from '../lab/synth/write';
import { fixed, table } from '../lab/text';
import { startEnclave, RunningEnclave } from '../enclave/service';
import { addHubPrincipal, startHub } from '../hub/service';
import type { HubJobView } from '../lab/api/network';
import type { JobResults } from '../lab/api/results';
import type { JobView } from '../lab/api/jobs';
import type { AuditVerdict } from '../lab/api/audit';
import type { NetworkPeers } from '../lab/api/network-peers';
import { consentsAsOfToday } from './story';

export interface NetworkDemoOptions {
  seed: number;
  /** Enterprises per province. */
  enterprises?: number;
  keep?: boolean;
  say?: (line: string, step?: boolean) => void;
}

export interface NetworkDemoOutcome {
  folder: string | null;
  provinces: { province: string; name: string; enterprises: number; ownTestAuc: number | null }[];
  network: { family: string; state: string; testAuc: number | null; newtonRounds: number; secureRounds: number }[];
  scoring: { asked: number; scored: number; byProvince: Record<string, number>; refused: number; refusedBy?: string };
  audit: { province: string; ok: boolean; entries: number }[];
}

const CODES = ['44', '33', '32'];
const BANK_COLUMNS = ['loan_amount_10k', 'relationship_months', 'worst_overdue_days_12m'];
// No one feature carries half of these models' platform score on the synthetic data, so the scoring rule lets them score.
const PLATFORM_COLUMNS = ['tax_arrears', 'court_cases_3y', 'enforcement_records', 'utility_arrears_months', 'admin_penalties_3y', 'si_headcount', 'vat_paid_12m_10k', 'dishonest_debtor', 'electricity_yoy', 'electricity_kwh_12m', 'legal_rep_changes_3y'];

async function settle<T extends { state: string }>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runNetworkDemo(options: NetworkDemoOptions): Promise<NetworkDemoOutcome> {
  const say = options.say ?? (() => undefined);
  const folder = mkdtempSync(join(tmpdir(), 'jointlab-network-demo-'));
  const enclaves: RunningEnclave[] = [];
  const hub = await startHub({ db: join(folder, 'hub.db'), port: 0 });
  try {
    const admin = new EnclaveClient(hub.url, (await addHubPrincipal(join(folder, 'hub.db'), { name: 'ops', role: 'admin', org: 'network' })).token);
    const bankAtHub = new EnclaveClient(hub.url, (await addHubPrincipal(join(folder, 'hub.db'), { name: 'risk-team', role: 'bank', org: 'bank-a' })).token);
    const members: { code: string; enclave: RunningEnclave; steward: EnclaveClient; bank: EnclaveClient; files: SynthFiles; rows: number }[] = [];
    const enterprises = options.enterprises ?? 12_000;
    const synth = writeProvinceSynth(CODES, { enterprises, bankCustomers: Math.round(enterprises / 2), seed: options.seed * 10 }, folder);
    for (const { code, files, tables } of synth.provinces) {
      const enclave = await startEnclave({ db: join(folder, `enclave-${code}.db`), port: 0, settings: { network: { province: code, standard: SME_NETWORK_STANDARD } } });
      enclaves.push(enclave);
      const steward = new EnclaveClient(enclave.url, await enclave.issueToken({ name: 'steward', role: 'steward', org: `platform-${code}` }));
      const bankClient = new EnclaveClient(enclave.url, await enclave.issueToken({ name: 'risk-team', role: 'bank', org: 'bank-a' }));
      members.push({ code, enclave, steward, bank: bankClient, files, rows: tables.platform.rows.length });
    }
    say(`hub on ${hub.url}; provincial enclaves ${members.map((m) => `${m.code} ${PROVINCES[m.code]} on ${m.enclave.url}`).join(', ')}`);
    const bankFile = synth.bankFile;
    const aligned: string[] = [];
    for (const m of members) {
      await m.steward.request('POST', 'v1/datasets', { csv: readFileSync(m.files.platform), query: { name: 'platform', idColumn: 'id' } });
      // Aligned by PSI: each province receives only the bank's customers it holds, never the others.
      const { meta, psi } = await uploadWithPsi(m.bank, { file: 'bank-all.csv', csv: readFileSync(bankFile), name: 'customers', idColumn: 'id', dataset: 'platform' });
      // Opened to network jobs by the bank itself: the hub's word for which bank a job is from reaches no other upload.
      await m.bank.request('POST', `v1/uploads/${encodeURIComponent(meta.id)}/network`);
      aligned.push(`${psi.intersection} in ${m.code}`);
      await m.steward.request('POST', 'v1/consents', { csv: consentsAsOfToday(readFileSync(m.files.consent, 'utf8')) });
    }
    say(`each steward imported its province's ${members[0].rows} enterprises under the network standard ${SME_NETWORK_STANDARD.name} v${SME_NETWORK_STANDARD.version}; the bank aligned its ${synth.bankRows} customers with each province by PSI and uploaded only those it holds (${aligned.join(', ')})`);
    for (const m of members) {
      const { token, publicKey } = await m.enclave.issueHubToken();
      await admin.request('POST', 'v1/members', { json: { province: m.code, url: m.enclave.url, token, publicKey } });
    }
    const listed = await admin.request<{ members: { province: string; publicKey: string }[] }>('GET', 'v1/members');
    say(`hub admin registered the members, pinning their X25519 keys: ${listed.members.map((m) => `${m.province} ${m.publicKey.slice(0, 10)}…`).join(', ')}`);
    // Each province's steward pins the other members' keys (compared by fingerprint out of band): a roster the
    // hub sends with any other key is refused, so the hub cannot slip in a member whose mask it holds.
    for (const m of members) {
      for (const other of listed.members.filter((x) => x.province !== m.code)) await m.steward.request('POST', 'v1/network-peers', { json: { province: other.province, publicKey: other.publicKey } });
    }
    const peers = await members[0].steward.request<NetworkPeers>('GET', 'v1/network-peers');
    say(`each steward pinned the other two members' keys; province ${members[0].code} pinned ${peers.peers.map((p) => `${p.province} ${p.fingerprint.slice(0, 9)}…`).join(', ')}`);

    const spec = (family: 'lr' | 'scorecard') => ({
      name: `network-${family}`,
      purpose: 'SME credit lines across provinces',
      provinces: CODES,
      platform: { dataset: 'platform', columns: PLATFORM_COLUMNS },
      bank: { upload: 'customers', columns: BANK_COLUMNS },
      label: 'default_12m',
      model: { family, params: { l2: 1 } },
      validation: { testFraction: 0.3, seed: options.seed },
    });
    const jobs: HubJobView[] = [];
    for (const family of ['lr', 'scorecard'] as const) jobs.push(await bankAtHub.request<HubJobView>('POST', 'v1/jobs', { json: spec(family) }));
    for (const m of members) for (const job of jobs) await m.steward.request('POST', `v1/jobs/${job.id}/approve`, { json: {} });
    say(`bank submitted a network logistic regression and a network scorecard; each province's steward approved them in its own enclave`);
    const network: NetworkDemoOutcome['network'] = [];
    for (const job of jobs) {
      await bankAtHub.request('POST', `v1/jobs/${job.id}/run`);
      const done = await settle(() => bankAtHub.request<HubJobView>('GET', `v1/jobs/${job.id}`), (v) => !['submitted', 'training'].includes(v.state));
      if (done.state !== 'released' && done.state !== 'withheld') throw new JointlabError('demo_failed', `the network ${done.spec.model?.family} job ended ${done.state}: ${done.reason}`, 'server');
      network.push({ family: done.spec.model?.family ?? 'lr', state: done.state, testAuc: done.result?.released.metrics?.test?.auc ?? null, newtonRounds: done.result?.iterations ?? 0, secureRounds: done.rounds.completed });
    }
    say(`the hub trained both on securely summed statistics (pairwise-masked, it saw only sums): ${network.map((n) => `${n.family} in ${n.secureRounds} secure rounds (${n.newtonRounds} Newton)`).join(', ')}`);

    // Each province's own model on its own customers, for comparison.
    const provinces: NetworkDemoOutcome['provinces'] = [];
    for (const m of members) {
      const own = await m.bank.request<JobView>('POST', 'v1/jobs', { json: { name: 'own-lr', purpose: 'this province alone', bank: { upload: 'customers', columns: BANK_COLUMNS }, platform: { dataset: 'platform', columns: PLATFORM_COLUMNS }, label: 'default_12m', model: { family: 'lr' }, validation: { testFraction: 0.3, seed: options.seed } } });
      await m.steward.request('POST', `v1/jobs/${own.id}/approve`, { json: {} });
      const view = await settle(() => m.bank.request<JobView>('GET', `v1/jobs/${own.id}`), (v) => isFinal(v.state));
      const results = view.state === 'released' || view.state === 'withheld' ? await m.bank.request<JobResults>('GET', `v1/jobs/${own.id}/results`) : undefined;
      provinces.push({ province: m.code, name: PROVINCES[m.code], enterprises: m.rows, ownTestAuc: results?.released.metrics?.test?.auc ?? null });
    }
    say('test AUC, the network models against each province\'s own logistic regression (each measured on its own test rows: the network\'s on all three provinces\', a province\'s on its own, so the figures differ by their test sets too):');
    for (const line of table([
      ['model', 'test AUC'],
      ...network.map((n) => [`network ${n.family} (3 provinces)`, fixed(n.testAuc ?? NaN)]),
      ...provinces.map((p) => [`${p.name} alone (lr)`, fixed(p.ownTestAuc ?? NaN)]),
    ]).split('\n')) say(`   ${line}`, false);

    // Applicants of all three provinces in one list; each id goes to its province's enclave.
    const applicants = members.flatMap((m) => parseCsv(consentsAsOfToday(readFileSync(m.files.consent, 'utf8')), 'consent.csv').rows.filter((r) => r[2] === 'scoring').slice(0, 5).map((r) => r[0]));
    const endpoints = members.map((m) => ({ province: m.code, url: m.enclave.url, token: m.bank.token! }));
    let scoring: NetworkDemoOutcome['scoring'];
    try {
      const routed = await scoreAcrossNetwork(endpoints, jobs[0].id, applicants, 'platform');
      const byProvince = Object.fromEntries(CODES.map((c) => [c, routed.scores.filter((s) => s.province === c).length]));
      scoring = { asked: applicants.length, scored: routed.scores.length, byProvince, refused: routed.refused.length };
      say(`bank scored ${applicants.length} applicants of three provinces in one routed call: each id went to its province's enclave by its USCC; ${routed.scores.length} platform parts back (${CODES.map((c) => `${c}: ${byProvince[c]}`).join(', ')}), ${routed.refused.length} refused`);
    } catch (e) {
      // A province's scoring rule may refuse the network model on its own enterprises, as it would its own model.
      if (!(e instanceof JointlabError) || e.code !== 'scoring_rule') throw e;
      scoring = { asked: applicants.length, scored: 0, byProvince: {}, refused: applicants.length, refusedBy: e.message };
      say(`routed scoring refused: ${e.message}`);
    }

    const audit: NetworkDemoOutcome['audit'] = [];
    for (const m of members) {
      const verdict = await m.steward.request<AuditVerdict>('GET', 'v1/audit/verify');
      audit.push({ province: m.code, ok: verdict.ok, entries: verdict.entries });
    }
    say(`audit chains verified: ${audit.map((a) => `${a.province} ${a.ok ? 'ok' : 'BROKEN'} (${a.entries} entries)`).join(', ')}`);
    return { folder: options.keep ? folder : null, provinces, network, scoring, audit };
  } finally {
    await hub.close();
    for (const e of enclaves) await e.close();
    if (!options.keep) rmSync(folder, { recursive: true, force: true });
  }
}
