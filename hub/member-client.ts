/** The hub's calls to a member enclave's /v1/network routes: the hub's token, a time limit, problem+json read back as a JointlabError. */
import { JointlabError } from '../lab/errors';

export interface MemberAddress {
  province: string;
  url: string;
  token: string;
}

/** A member that does not answer in time is as gone as one that refuses the connection. */
const TIMEOUT_MS = 60_000;

export class MemberUnreachable extends JointlabError {
  constructor(readonly province: string) {
    super('network_member_unreachable', `the enclave of province ${province} did not answer`, 'server');
  }
}

export async function callMember<T>(member: MemberAddress, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${member.url.replace(/\/$/, '')}/v1/network${path}`, {
      method,
      headers: { authorization: `Bearer ${member.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new MemberUnreachable(member.province);
  }
  const text = await res.text().catch(() => {
    throw new MemberUnreachable(member.province);
  });
  if (!res.ok) {
    let problem: { code?: string; detail?: string } = {};
    try {
      problem = JSON.parse(text);
    } catch {
      // not problem+json: reported by status alone
    }
    // A refused round is passed on by its code only: the member's own wording (its k, its rule) stays with
    // its steward, so the bank gets no detail to read a province's counts from. Other refusals (a job the
    // province cannot take: columns, policy, roster) name rules only, never values, and pass on whole.
    const code = problem.code ?? 'network_member_error';
    const detail = /\/rounds$/.test(path) ? `declined the round (${code}); its steward sees why` : (problem.detail ?? `answered ${res.status}`);
    throw new JointlabError(code, `province ${member.province}: ${detail}`, res.status >= 500 ? 'server' : 'conflict');
  }
  return JSON.parse(text) as T;
}
