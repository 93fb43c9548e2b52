/**
 * A province's side of a network job: accepted from the hub as a job awaiting this province's steward
 * (approval, rejection and the audit go through the enclave's own jobs service), then answered round by
 * round with masked statistics, and finally given the network's checked outcome.
 */
import { JointlabError } from '../../lab/errors';
import type { JobSpec } from '../../lab/spec/job-spec';
import type { Grid, Layout } from '../../lab/network/layout';
import { randomUUID } from 'node:crypto';
import { binCountsOf, gridOf, momentsOf, newtonOf, spreadOf, testLogitsOf } from '../../lab/network/statistics';
import { DEFAULT_SCALE_BITS, encodeFixed, keyFingerprint, maskVector, ringToBytes } from '../../lab/secagg';
import type { MaskedShare, MemberFinish, MemberJobRequest, MemberJobState, MemberStop, RosterEntry, RoundRequest } from '../../lab/api/network';
import { appendAudit } from '../audit/log';
import { getDatasetMeta } from '../data/datasets';
import { jobRow } from '../jobs/jobs';
import { ENCLAVE_ACTOR, HUB_ACTOR, finishNetworkTraining, startNetworkRound, stopNetworkPart } from '../jobs/decisions';
import type { EnclaveContext } from '../http/context';
import { networkIdentity } from './membership';
import { ProvinceData, assertNetworkUpload, loadLocalData } from './local-data';
import { uploadByName } from '../data/uploads';
import { assertRosterPinned } from './peers';
import { assertEdgesOnGrid, assertNetworkOutcome, assertNetworkRound, assertRoundPlan, networkDifferencing, noisyStatistic } from '../release/network';
import type { Queries } from '../store/db';
import { digestOf } from '../release/differencing';
import { scoreHistogram } from '../release/network-scores';

interface NetworkJobRow {
  job: string;
  members: string;
  layout: string;
}

function provinceOf(ctx: EnclaveContext): string {
  if (!ctx.settings.network) throw new JointlabError('not_network_member', 'this enclave is not a member of a network (start it with --province)', 'not_found');
  return ctx.settings.network.province;
}

/** The job as this enclave stores it: an ordinary job spec in mode "network", reviewed like any other. */
function storedSpec(request: MemberJobRequest): JobSpec {
  const { spec } = request;
  return {
    name: spec.name,
    purpose: spec.purpose,
    mode: 'network',
    platform: spec.platform,
    bank: spec.bank,
    label: spec.label,
    model: { family: spec.model?.family ?? 'lr', params: { l2: spec.model?.params?.l2 ?? 1 } },
    validation: { testFraction: spec.validation?.testFraction ?? 0.3, seed: spec.validation?.seed ?? 42 },
  };
}

/** Accepts the province's part; the same request twice returns the job as it stands. */
export async function acceptNetworkJob(ctx: EnclaveContext, request: MemberJobRequest): Promise<MemberJobState> {
  const province = provinceOf(ctx);
  if (!request.members.some((m) => m.province === province)) throw new JointlabError('network_not_member', `province ${province} is not among the job's members`, 'conflict');
  // The masks are only as good as the roster: every key must be one this province's steward pinned.
  await assertRosterPinned(ctx.db, { province, publicKey: (await networkIdentity(ctx.db)).publicKey }, request.members);
  const existing = await jobRow(ctx.db, request.id);
  if (existing) return memberJobState(ctx, request.id);
  const dataset = await getDatasetMeta(ctx.db, request.spec.platform.dataset);
  if (!dataset) throw new JointlabError('network_no_dataset', `this enclave has no dataset "${request.spec.platform.dataset}"`, 'conflict');
  for (const f of request.layout.features) {
    const column = dataset.columns.find((c) => c.name === f.name);
    if (!column) continue; // a bank column: checked when the rows are joined
    if (column.policy === 'forbidden' || column.policy === 'id') throw new JointlabError('network_column_policy', `column "${f.name}" is ${column.policy} under this province's policy`, 'conflict');
    if (column.type !== f.kind) throw new JointlabError('network_column_type', `column "${f.name}" is ${column.type} in this province`, 'conflict');
  }
  const upload = await uploadByName(ctx.db, request.org, request.spec.bank.upload);
  if (!upload) throw new JointlabError('network_no_upload', `the bank has no upload "${request.spec.bank.upload}" in this enclave`, 'conflict');
  assertNetworkUpload(upload);
  const spec = storedSpec(request);
  const sensitive = request.spec.platform.columns.filter((c) => dataset.columns.find((d) => d.name === c)?.policy === 'sensitive');
  const flags: { code: string; message: string }[] = sensitive.length ? [{ code: 'sensitive_columns', message: `uses sensitive columns: ${sensitive.join(', ')}` }] : [];
  // The steward sees whose keys the masks are agreed with, to compare against the pins it made.
  const roster = request.members.map((m) => `${m.province}${m.province === province ? ' (this enclave)' : ''} ${keyFingerprint(m.publicKey)}`);
  flags.push({ code: 'network_roster', message: `masks agreed with: ${roster.join('; ')}` });
  const now = new Date().toISOString();
  await ctx.db.transaction(async (q) => {
    await q.run('INSERT INTO jobs (id, owner, org, spec, state, flags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [request.id, request.owner, request.org, JSON.stringify(spec), 'submitted', JSON.stringify(flags), now, now]);
    await q.run('INSERT INTO network_jobs (job, members, layout, created_at) VALUES (?, ?, ?, ?)', [request.id, JSON.stringify(request.members), JSON.stringify(request.layout), now]);
    await appendAudit(q, {
      actor: HUB_ACTOR,
      action: 'job.submitted',
      object: `job:${request.id}`,
      detail: { family: spec.model.family, mode: 'network', org: request.org, roster: request.members.map((m) => ({ province: m.province, fingerprint: keyFingerprint(m.publicKey) })), flags: flags.map((f) => f.code) },
    });
  });
  return memberJobState(ctx, request.id);
}

async function networkJob(ctx: EnclaveContext, id: string): Promise<{ row: NonNullable<Awaited<ReturnType<typeof jobRow>>>; members: RosterEntry[]; layout: Layout }> {
  const row = await jobRow(ctx.db, id);
  const net = await ctx.db.get<NetworkJobRow>('SELECT * FROM network_jobs WHERE job = ?', [id]);
  if (!row || !net) throw new JointlabError('not_found', 'no such network job', 'not_found');
  return { row, members: JSON.parse(net.members), layout: JSON.parse(net.layout) };
}

export async function memberJobState(ctx: EnclaveContext, id: string): Promise<MemberJobState> {
  const { row } = await networkJob(ctx, id);
  const spec = JSON.parse(row.spec) as JobSpec;
  const dataset = await getDatasetMeta(ctx.db, spec.platform!.dataset);
  return { id, province: provinceOf(ctx), state: row.state, reason: row.reason, k: dataset?.k ?? ctx.settings.defaultK, minTrainingRows: ctx.settings.minTrainingRows };
}

/**
 * Each province's rows, joined once per job while it runs (the rounds re-read nothing). Keyed by the
 * enclave's store as well as the job: several enclaves in one process (the demo, the benchmark) hold
 * the same network job id, each over its own rows.
 */
const caches = new WeakMap<object, Map<string, Promise<ProvinceData>>>();

function cacheOf(ctx: EnclaveContext): Map<string, Promise<ProvinceData>> {
  let cache = caches.get(ctx.db);
  if (!cache) caches.set(ctx.db, (cache = new Map()));
  return cache;
}

function localData(ctx: EnclaveContext, id: string, spec: JobSpec, org: string, layout: Layout): Promise<ProvinceData> {
  const cache = cacheOf(ctx);
  let data = cache.get(id);
  if (!data) {
    data = loadLocalData(ctx.db, spec, org, layout);
    cache.set(id, data);
    data.catch(() => cache.delete(id));
  }
  return data;
}

/** Each job's grid of its current attempt, per enclave store (several enclaves may share a process). */
const gridStores = new WeakMap<object, string>();
const grids = new Map<string, Grid[]>();
function gridKey(ctx: EnclaveContext, id: string): string {
  let store = gridStores.get(ctx.db);
  if (!store) gridStores.set(ctx.db, (store = randomUUID()));
  return `${store}:${id}`;
}

/**
 * Answers one round: the statistic of this province's rows, fixed-point encoded and masked with every
 * other member's pairwise mask for this (job, round). A round id is answered once only: a second
 * statistic under the same masks would give away the difference of the two.
 */
export async function answerRound(ctx: EnclaveContext, id: string, request: RoundRequest): Promise<MaskedShare> {
  const province = provinceOf(ctx);
  const { row, members, layout } = await networkJob(ctx, id);
  if (row.state !== 'approved' && row.state !== 'running' && row.state !== 'interrupted') throw new JointlabError('network_not_approved', `the job is ${row.state} in province ${province}`, 'conflict');
  const spec = JSON.parse(row.spec) as JobSpec;
  const data = await localData(ctx, id, spec, row.org, layout);
  const { k } = await memberJobState(ctx, id);
  // This province's own policy before it contributes anything (enclave/release/network.ts): enough rows
  // of each class (on noisy counts), and no population too close to an earlier network job's.
  try {
    assertNetworkRound(noisyStatistic({ round: request.round, phase: 'moments' }, layout, momentsOf(data, layout), data.noise), k);
    const variant = digestOf([data.labels, ...members.map((m) => `${m.province}:${m.publicKey}`).sort()]);
    await ctx.db.transaction((q) => networkDifferencing(q, `network:${id}`, data.print, variant, k));
  } catch (e) {
    // The hub passes on only the code; the steward reads the rule here.
    if (e instanceof JointlabError) await appendAudit(ctx.db, { actor: ENCLAVE_ACTOR, action: 'network.round-declined', object: `job:${id}`, detail: { code: e.code, reason: e.message } });
    throw e;
  }
  // The grid this attempt placed bins on (in memory: an enclave restarted mid-job refuses the bins round, and the retry starts a new attempt).
  if (request.phase === 'moments') grids.delete(gridKey(ctx, id));
  if (request.phase === 'bins') assertEdgesOnGrid(request.edges, grids.get(gridKey(ctx, id)));
  let vector: Float64Array;
  if (request.phase === 'moments') vector = momentsOf(data, layout);
  else if (request.phase === 'spread') vector = spreadOf(data, layout, request.centers, request.spreads);
  else if (request.phase === 'grid') vector = gridOf(data, layout, request.grids);
  else if (request.phase === 'bins') vector = binCountsOf(data, layout, request.edges);
  else if (request.phase === 'newton') vector = newtonOf(data, request, request.beta);
  else vector = scoreHistogram(testLogitsOf(data, request, request.beta), data.test.labels);
  vector = noisyStatistic(request, layout, vector, data.noise);
  const identity = await networkIdentity(ctx.db);
  const masked = maskVector(province, identity, members.map((m) => ({ id: m.province, publicKey: m.publicKey })), { job: id, round: request.round }, encodeFixed(vector, DEFAULT_SCALE_BITS, members.length));
  await ctx.db.transaction(async (q) => {
    const used = await q.get('SELECT 1 FROM network_rounds WHERE job = ? AND round = ?', [id, request.round]);
    if (used) throw new JointlabError('network_round_reused', 'this round id was answered already; a retried round needs a new id', 'conflict');
    assertRoundPlan(await answeredPhases(q, id), request.phase);
    await q.run('INSERT INTO network_rounds (job, round, phase, at) VALUES (?, ?, ?, ?)', [id, request.round, request.phase, new Date().toISOString()]);
  });
  if (request.phase === 'grid') grids.set(gridKey(ctx, id), request.grids);
  await startNetworkRound(ctx.db, id);
  return { province, round: request.round, length: vector.length, masked: ringToBytes(masked).toString('base64') };
}

async function answeredPhases(q: Queries, id: string): Promise<RoundRequest['phase'][]> {
  return (await q.all<{ phase: RoundRequest['phase'] }>('SELECT phase FROM network_rounds WHERE job = ? ORDER BY rowid', [id])).map((r) => r.phase);
}

/** The network's outcome, stored with this province's job: released or withheld with the reasons. */
export async function finishNetworkJob(ctx: EnclaveContext, id: string, finish: MemberFinish): Promise<MemberJobState> {
  const { row } = await networkJob(ctx, id);
  cacheOf(ctx).delete(id);
  grids.delete(gridKey(ctx, id));
  if (row.state === 'released' || row.state === 'withheld') return memberJobState(ctx, id);
  const { outcome } = finish;
  // The hub's word is not taken: this province re-runs its release check on what it would store.
  assertNetworkOutcome(outcome, (await memberJobState(ctx, id)).k, await answeredPhases(ctx.db, id));
  await finishNetworkTraining(ctx.db, id, { release: outcome, backend: 'network (secure aggregation)', seconds: finish.seconds });
  return memberJobState(ctx, id);
}

/** The hub stopped the job (enclave/jobs/decisions.ts stopNetworkPart): the rows joined for it are let go. */
export async function stopNetworkJob(ctx: EnclaveContext, id: string, stop: MemberStop): Promise<MemberJobState> {
  await networkJob(ctx, id);
  cacheOf(ctx).delete(id);
  grids.delete(gridKey(ctx, id));
  await stopNetworkPart(ctx.db, id, stop.outcome, stop.reason);
  return memberJobState(ctx, id);
}
