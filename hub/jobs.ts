/**
 * Network jobs at the hub: a bank submits one job naming provinces, the hub forwards it to each
 * province's enclave (where its steward decides), and once every province approved, the bank runs it.
 * Every state change is written here, with its audit entry; a round a province dropped out of leaves
 * the job `interrupted`, with no result, and running it again starts over with new round ids; a
 * province that declines under one of its rules leaves it `refused`, with its code, for good.
 */
import { randomUUID } from 'node:crypto';
import { JointlabError } from '../lab/errors';
import { assertValid } from '../lab/spec/problems';
import { NetworkJobSpec, resolveNetworkSpec, validateNetworkJobSpec } from '../lab/network/job-spec';
import type { Layout } from '../lab/network/layout';
import type { HubJobState, HubJobView, HubRefusal, MemberJobRequest, MemberJobState, MemberStop, RosterEntry } from '../lab/api/network';
import { isPermanentRefusal } from '../lab/network/refusals';
import type { Principal } from '../lab/api/principals';
import { appendAudit } from '../enclave/audit/log';
import { Db } from '../enclave/store/db';
import { callMember, MemberUnreachable } from './member-client';
import { refreshMember, storedMembers, StoredMember } from './members';
import { keepUndelivered } from './stop-notices';
import { layoutOf } from './layout';
import { trainNetwork, TrainedNetwork } from './trainer';
import { RoundAborted } from './secure-round';

export interface HubJobRow {
  id: string;
  owner: string;
  org: string;
  spec: string;
  members: string;
  layout: string;
  state: HubJobState;
  reason: string | null;
  result: string | null;
  /** JSON HubRefusal when the job is refused. */
  refusal: string | null;
  created_at: string;
  updated_at: string;
}

const MOVES: Record<HubJobState, HubJobState[]> = {
  submitted: ['training', 'rejected', 'refused', 'failed'],
  training: ['released', 'withheld', 'interrupted', 'refused', 'failed'],
  interrupted: ['training', 'rejected', 'failed'],
  refused: [],
  released: [],
  withheld: [],
  rejected: [],
  failed: [],
};

async function move(db: Db, id: string, to: HubJobState, actor: string, reason: string | null, result?: unknown, refusal?: HubRefusal): Promise<void> {
  await db.transaction(async (q) => {
    const job = await q.get<HubJobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
    if (!job) throw new JointlabError('not_found', 'no such job', 'not_found');
    if (!MOVES[job.state].includes(to)) throw new JointlabError('bad_transition', `the job is ${job.state} and cannot become ${to}`, 'conflict');
    await q.run('UPDATE jobs SET state = ?, reason = ?, result = COALESCE(?, result), refusal = ?, updated_at = ? WHERE id = ?', [to, reason, result === undefined ? null : JSON.stringify(result), refusal ? JSON.stringify(refusal) : null, new Date().toISOString(), id]);
    await appendAudit(q, { actor, action: `job.${to}`, object: `job:${id}`, detail: { from: job.state, to, ...(reason ? { reason } : {}), ...(refusal ? { refusal } : {}) } });
  });
}

/** The province and code of a member's refusal for good (lab/network/refusals.ts), or undefined for an interruption. */
function refusalOf(e: unknown): HubRefusal | undefined {
  if (e instanceof RoundAborted && isPermanentRefusal(e.memberCode)) return { province: e.province, code: e.memberCode };
  return undefined;
}

/**
 * Tells every member the hub stopped the job, so none keeps it `running`: interrupted (its part waits
 * for the next attempt) or refused (its part fails). A member that is down marks its own running parts
 * interrupted when it starts again, which is all an interruption asks; a refusal it did not hear is kept
 * and sent again until it does (hub/stop-notices.ts).
 */
async function tellMembers(db: Db, members: readonly StoredMember[], id: string, stop: MemberStop): Promise<void> {
  const told = await Promise.allSettled(members.map((m) => callMember(m, 'POST', `/jobs/${id}/stop`, stop)));
  for (const [i, t] of told.entries()) {
    if (stop.outcome === 'refused' && t.status === 'rejected' && t.reason instanceof MemberUnreachable) await keepUndelivered(db, id, members[i].province, stop);
  }
}

export async function visibleHubJob(db: Db, id: string, viewer: Principal): Promise<HubJobRow> {
  const row = await db.get<HubJobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
  if (!row || (viewer.role === 'bank' && row.org !== viewer.org)) throw new JointlabError('not_found', 'no such job', 'not_found');
  return row;
}

export async function submitNetworkJob(db: Db, body: unknown, bank: Principal): Promise<HubJobView> {
  const spec = assertValid(validateNetworkJobSpec, body, 'network job');
  const members = await Promise.all((await storedMembers(db, spec.provinces)).map((m) => refreshMember(db, m)));
  const layout = layoutOf(spec, members);
  const id = `nj_${randomUUID()}`;
  const roster: RosterEntry[] = members.map((m) => ({ province: m.province, publicKey: m.publicKey }));
  const now = new Date().toISOString();
  await db.transaction(async (q) => {
    await q.run("INSERT INTO jobs (id, owner, org, spec, members, layout, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'submitted', ?, ?)", [id, bank.id, bank.org, JSON.stringify(spec), JSON.stringify(roster), JSON.stringify(layout), now, now]);
    await appendAudit(q, { actor: bank.id, action: 'job.submitted', object: `job:${id}`, detail: { provinces: spec.provinces, family: 'lr' } });
  });
  const request: MemberJobRequest = { id, org: bank.org, owner: bank.id, spec, members: roster, layout };
  const taken = await Promise.allSettled(members.map((m) => callMember<MemberJobState>(m, 'POST', '/jobs', request)));
  const failed = taken.findIndex((t) => t.status === 'rejected');
  if (failed >= 0) {
    const e = (taken[failed] as PromiseRejectedResult).reason;
    const province = members[failed].province;
    const refusal = e instanceof JointlabError && isPermanentRefusal(e.code) ? { province, code: e.code } : undefined;
    const reason = `a province could not take the job: ${e instanceof JointlabError ? e.message : 'error'}`;
    // The job ends here either way: the provinces that took it drop it from their stewards' queues.
    await tellMembers(db, members, id, { outcome: 'refused', reason: refusal ? `province ${province} refused the job (${refusal.code})` : `province ${province} could not take the job` });
    await move(db, id, refusal ? 'refused' : 'failed', 'hub', reason, undefined, refusal);
    throw e;
  }
  return viewHubJob(db, id, bank);
}

type MemberStateView = HubJobView['provinces'][number] & { k?: number; minTrainingRows?: number };

/** Each province's own view of the job: its steward's decision, its k and minimum training rows; a member that does not answer is `unreachable`, one that never took the job `absent`. */
async function memberStates(row: HubJobRow, members: readonly StoredMember[]): Promise<MemberStateView[]> {
  return Promise.all(
    members.map(async (m): Promise<MemberStateView> => {
      try {
        const s = await callMember<MemberJobState>(m, 'GET', `/jobs/${row.id}`);
        return { province: m.province, state: s.state, reason: s.reason, k: s.k, minTrainingRows: s.minTrainingRows };
      } catch (e) {
        if (e instanceof MemberUnreachable) return { province: m.province, state: 'unreachable', reason: null };
        // A province that refused the job when it was submitted holds no part of it.
        if (e instanceof JointlabError && e.code === 'not_found') return { province: m.province, state: 'absent', reason: null };
        throw e;
      }
    }),
  );
}

export async function viewHubJob(db: Db, id: string, viewer: Principal): Promise<HubJobView> {
  const row = await visibleHubJob(db, id, viewer);
  const spec = JSON.parse(row.spec) as NetworkJobSpec;
  const provinces = (await memberStates(row, await storedMembers(db, spec.provinces))).map(({ province, state, reason }) => ({ province, state, reason }));
  const rounds = await db.all<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM rounds WHERE job = ? GROUP BY state', [id]);
  return {
    id: row.id,
    name: spec.name,
    org: row.org,
    state: row.state,
    reason: row.reason,
    refusal: row.refusal ? (JSON.parse(row.refusal) as HubRefusal) : null,
    spec,
    provinces,
    rounds: { completed: rounds.find((r) => r.state === 'summed')?.n ?? 0, aborted: rounds.find((r) => r.state === 'aborted')?.n ?? 0 },
    result: row.result ? JSON.parse(row.result) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Runs in the background of the hub process; the map makes a second `run` while one trains a conflict. */
const training = new Map<string, Promise<void>>();

/** Starts training once every province approved; answers at once, the bank follows the job's state. */
export async function runNetworkJob(db: Db, id: string, bank: Principal, log: (line: string) => void): Promise<HubJobView> {
  const row = await visibleHubJob(db, id, bank);
  if (training.has(id)) throw new JointlabError('network_training', 'the job is training already', 'conflict');
  if (row.state !== 'submitted' && row.state !== 'interrupted') throw new JointlabError('bad_transition', `the job is ${row.state} and cannot run`, 'conflict');
  const spec = JSON.parse(row.spec) as NetworkJobSpec;
  const members = await storedMembers(db, spec.provinces);
  const states = await memberStates(row, members);
  const rejected = states.find((s) => s.state === 'rejected' || s.state === 'cancelled');
  if (rejected) {
    // The other provinces' parts end too, rather than wait approved for a run that cannot come.
    await tellMembers(db, members, id, { outcome: 'refused', reason: `province ${rejected.province} ${rejected.state} the job` });
    await move(db, id, 'rejected', bank.id, `province ${rejected.province}: ${rejected.state}${rejected.reason ? ` (${rejected.reason})` : ''}`);
    return viewHubJob(db, id, bank);
  }
  // A part interrupted by an earlier attempt is approved still: the retry runs it again.
  const waiting = states.filter((s) => s.state !== 'approved' && s.state !== 'running' && s.state !== 'interrupted').map((s) => `${s.province} (${s.state})`);
  if (waiting.length) throw new JointlabError('network_not_approved', `not every province approved the job yet: ${waiting.join(', ')}`, 'conflict');
  // k across the network is the strictest member's, as is the fewest training rows.
  const rules = { k: Math.max(...states.map((s) => s.k ?? 0)), minTrainingRows: Math.max(...states.map((s) => s.minTrainingRows ?? 0)) };
  await move(db, id, 'training', bank.id, null);
  const started = Date.now();
  const work = trainNetwork(db, id, members, JSON.parse(row.layout) as Layout, resolveNetworkSpec(spec), rules, (note) => log(`job ${id}: ${note}`))
    .then(async (trained: TrainedNetwork) => {
      const seconds = (Date.now() - started) / 1000;
      const finish = (m: StoredMember) =>
        callMember(m, 'POST', `/jobs/${id}/finish`, { outcome: trained.outcome, seconds }).catch((e: unknown) => {
          throw e instanceof JointlabError ? new RoundAborted(m.province, e.message, e.code) : e;
        });
      await Promise.all(members.map(finish));
      const state = trained.outcome.released.parameters ? 'released' : 'withheld';
      await move(db, id, state, 'hub', state === 'withheld' ? trained.outcome.withheld.map((w) => `${w.part}: ${w.reason}`).join('; ') : null, { ...trained.outcome, seconds, iterations: trained.iterations, converged: trained.converged });
    })
    .catch(async (e: unknown) => {
      const known = e instanceof JointlabError;
      const refusal = refusalOf(e);
      log(`job ${id}: ${refusal ? 'refused' : 'stopped'} (${refusal ? `${refusal.province} ${refusal.code}` : known ? e.code : 'internal error'})`);
      if (refusal) {
        // A province declined for good under one of its rules: no result, and running it again would meet the same rule.
        const reason = `province ${refusal.province} refused the job (${refusal.code}); running it again would not change that`;
        await tellMembers(db, members, id, { outcome: 'refused', reason });
        await move(db, id, 'refused', 'hub', reason, undefined, refusal).catch(() => undefined);
        return;
      }
      // A province that dropped out interrupts the job: no result, run it again.
      const reason = known ? `${e.message}; run the job again once every province answers` : 'the hub failed while training; run the job again';
      await tellMembers(db, members, id, { outcome: 'interrupted', reason: 'the hub interrupted the job (a round did not complete); the bank may run it again' });
      await move(db, id, 'interrupted', 'hub', reason).catch(() => undefined);
    })
    .finally(() => training.delete(id));
  training.set(id, work);
  return viewHubJob(db, id, bank);
}

/** Resolves when no job trains (closing the hub, tests). */
export async function trainingSettled(): Promise<void> {
  await Promise.all([...training.values()]);
}
