/**
 * One round of secure aggregation as the hub runs it: a fresh round id, every member asked at once, the
 * masked shares summed modulo 2^64 and the sum handed to the trainer, never stored. A member that fails aborts the round; the
 * shares already received are dropped unread, since without the missing member's masks they are noise.
 */
import { randomUUID } from 'node:crypto';
import { JointlabError } from '../lab/errors';
import { decodeFixed, DEFAULT_SCALE_BITS, ringFromBytes, sumModular } from '../lab/secagg';
import type { MaskedShare, RoundParams } from '../lab/api/network';
import { Db } from '../enclave/store/db';
import { callMember, MemberAddress } from './member-client';

/** A round (or the finish) a member did not complete: which province, and the code it answered (network_member_unreachable when it did not answer). */
export class RoundAborted extends JointlabError {
  constructor(
    readonly province: string,
    reason: string,
    readonly memberCode = 'network_round_aborted',
  ) {
    super('network_round_aborted', reason, 'conflict');
  }
}

export async function secureRound(db: Db, job: string, members: readonly MemberAddress[], params: RoundParams, expectedLength: number): Promise<Float64Array> {
  const round = `r_${randomUUID()}`;
  await db.run("INSERT INTO rounds (job, round, phase, state, at) VALUES (?, ?, ?, 'open', ?)", [job, round, params.phase, new Date().toISOString()]);
  const answers = await Promise.allSettled(members.map((m) => callMember<MaskedShare>(m, 'POST', `/jobs/${job}/rounds`, { round, ...params })));
  const failed = answers.findIndex((a) => a.status === 'rejected');
  if (failed >= 0) {
    const error = (answers[failed] as PromiseRejectedResult).reason;
    const reason = `round ${params.phase} aborted: ${error instanceof JointlabError ? error.message : `province ${members[failed].province} failed`}`;
    await db.run("UPDATE rounds SET state = 'aborted', reason = ? WHERE job = ? AND round = ?", [reason, job, round]);
    throw new RoundAborted(members[failed].province, reason, error instanceof JointlabError ? error.code : undefined);
  }
  const shares = answers.map((a, i) => {
    const share = (a as PromiseFulfilledResult<MaskedShare>).value;
    if (share.province !== members[i].province || share.round !== round || share.length !== expectedLength) {
      throw new RoundAborted(members[i].province, `round ${params.phase} aborted: province ${members[i].province} answered another round or length`);
    }
    return ringFromBytes(Buffer.from(share.masked, 'base64'), expectedLength);
  });
  const sum = decodeFixed(sumModular(shares), DEFAULT_SCALE_BITS);
  // Only the round's phase and state are kept: a stored sum would let whoever reads the hub's file subtract two jobs' sums.
  await db.run("UPDATE rounds SET state = 'summed' WHERE job = ? AND round = ?", [job, round]);
  return sum;
}
