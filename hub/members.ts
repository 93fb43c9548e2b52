/**
 * The network's members as the hub keeps them: each enclave's URL, the token it issued to the hub (sealed
 * at rest, hub/token-seal.ts), its province and its pinned X25519 identity key, which the enclave must present unchanged on every visit.
 */
import { JointlabError } from '../lab/errors';
import { assertProvinceCode, PROVINCES } from '../lab/network/province';
import { assertPublicKey } from '../lab/secagg';
import type { HubMember, MemberInfo } from '../lab/api/network';
import { appendAudit } from '../enclave/audit/log';
import { Db } from '../enclave/store/db';
import { MemberAddress, callMember } from './member-client';
import { openToken, sealToken } from './token-seal';

interface MemberRow {
  province: string;
  url: string;
  public_key: string;
  token_sealed: Buffer;
  info: string;
  added_at: string;
}

export interface StoredMember extends MemberAddress {
  publicKey: string;
  info: MemberInfo;
}

const toStored = (db: Db, r: MemberRow): StoredMember => ({ province: r.province, url: r.url, token: openToken(db, r.province, r.token_sealed), publicKey: r.public_key, info: JSON.parse(r.info) });

function assertUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return u.origin;
  } catch {
    throw new JointlabError('bad_url', 'the member URL must be an http(s) address', 'usage');
  }
}

/** Registers (or re-registers) a member: the enclave is asked who it is, and must be the province and key the operator pinned. */
export async function addMember(db: Db, input: { province: string; url: string; token: string; publicKey: string }, actor: string): Promise<HubMember> {
  const province = assertProvinceCode(input.province);
  assertPublicKey(input.publicKey);
  const url = assertUrl(input.url);
  const info = await callMember<MemberInfo>({ province, url, token: input.token }, 'GET', '/info');
  if (info.province !== province) throw new JointlabError('network_wrong_province', `the enclave at that URL is province ${info.province}, not ${province}`, 'conflict');
  if (info.publicKey !== input.publicKey) throw new JointlabError('network_key_mismatch', 'the enclave presents another identity key than the one pinned', 'conflict');
  const now = new Date().toISOString();
  await db.transaction(async (q) => {
    const existing = await q.get<MemberRow>('SELECT * FROM members WHERE province = ?', [province]);
    if (existing && existing.public_key !== input.publicKey) throw new JointlabError('network_key_mismatch', `province ${province} is pinned to another identity key; remove it first`, 'conflict');
    // The token is kept sealed only (hub/token-seal.ts): the clear column stays empty.
    await q.run("INSERT OR REPLACE INTO members (province, url, public_key, token, token_sealed, info, added_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?)", [province, url, input.publicKey, sealToken(db, province, input.token), JSON.stringify(info), existing?.added_at ?? now, now]);
    await appendAudit(q, { actor, action: existing ? 'member.update' : 'member.add', object: `member:${province}`, detail: { url, publicKey: input.publicKey } });
  });
  return (await listMembers(db)).find((m) => m.province === province)!;
}

export async function listMembers(db: Db): Promise<HubMember[]> {
  const rows = await db.all<MemberRow>('SELECT * FROM members ORDER BY province');
  return rows.map((r) => {
    const info = JSON.parse(r.info) as MemberInfo;
    return { province: r.province, name: PROVINCES[r.province], url: r.url, publicKey: r.public_key, standard: info.standard ? { name: info.standard.name, version: info.standard.version } : null, datasets: info.datasets, addedAt: r.added_at };
  });
}

export async function storedMembers(db: Db, provinces: readonly string[]): Promise<StoredMember[]> {
  const out: StoredMember[] = [];
  for (const province of provinces) {
    const row = await db.get<MemberRow>('SELECT * FROM members WHERE province = ?', [province]);
    if (!row) throw new JointlabError('network_unknown_province', `province ${province} is not a member of this network`, 'validation');
    out.push(toStored(db, row));
  }
  return out;
}

/** The member's identity is checked again before a job: a changed key is refused, not re-pinned silently. */
export async function refreshMember(db: Db, member: StoredMember): Promise<StoredMember> {
  const info = await callMember<MemberInfo>(member, 'GET', '/info');
  if (info.publicKey !== member.publicKey || info.province !== member.province) throw new JointlabError('network_key_mismatch', `province ${member.province} presents another identity key than the one pinned`, 'conflict');
  await db.run('UPDATE members SET info = ?, updated_at = ? WHERE province = ?', [JSON.stringify(info), new Date().toISOString(), member.province]);
  return { ...member, info };
}
