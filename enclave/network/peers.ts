/**
 * The other members' identity keys as this enclave's steward pinned them (checked out of band, by
 * fingerprint): a network job's roster must name exactly these keys and this enclave's own, so a hub that
 * lists a key it holds cannot remove one province's pairwise mask and read that province's statistic.
 */
import { JointlabError } from '../../lab/errors';
import { assertProvinceCode } from '../../lab/network/province';
import { assertPublicKey, keyFingerprint } from '../../lab/secagg';
import type { NetworkPeer } from '../../lab/api/network-peers';
import type { RosterEntry } from '../../lab/api/network';
import { appendAudit } from '../audit/log';
import { Db, Queries } from '../store/db';

interface PeerRow {
  province: string;
  public_key: string;
  pinned_by: string;
  pinned_at: string;
}

const peerOf = (r: PeerRow): NetworkPeer => ({ province: r.province, publicKey: r.public_key, fingerprint: keyFingerprint(r.public_key), pinnedBy: r.pinned_by, pinnedAt: r.pinned_at });

/** Pins (or re-pins) a province's key; the audit entry carries its fingerprint, so a change of key is on the chain. */
export async function pinPeer(db: Db, input: { province: string; publicKey: string }, ownProvince: string | undefined, actor: string): Promise<NetworkPeer> {
  assertProvinceCode(input.province);
  assertPublicKey(input.publicKey);
  if (ownProvince !== undefined && input.province === ownProvince) throw new JointlabError('network_pin_own', `province ${ownProvince} is this enclave's own: its key is its identity, not a pin`);
  const at = new Date().toISOString();
  await db.transaction(async (q) => {
    const before = await q.get<PeerRow>('SELECT * FROM network_peers WHERE province = ?', [input.province]);
    await q.run('INSERT OR REPLACE INTO network_peers (province, public_key, pinned_by, pinned_at) VALUES (?, ?, ?, ?)', [input.province, input.publicKey, actor, at]);
    await appendAudit(q, {
      actor,
      action: 'network.peer-pinned',
      object: `network:${input.province}`,
      detail: { fingerprint: keyFingerprint(input.publicKey), ...(before && before.public_key !== input.publicKey ? { replaced: keyFingerprint(before.public_key) } : {}) },
    });
  });
  return peerOf({ province: input.province, public_key: input.publicKey, pinned_by: actor, pinned_at: at });
}

export async function listPeers(q: Queries): Promise<NetworkPeer[]> {
  return (await q.all<PeerRow>('SELECT * FROM network_peers ORDER BY province')).map(peerOf);
}

/**
 * A roster is accepted only when each province appears once, this province's entry is this enclave's
 * own identity key, and every other entry is the key its steward pinned for that province.
 */
export async function assertRosterPinned(q: Queries, own: { province: string; publicKey: string }, members: RosterEntry[]): Promise<void> {
  const refuse = (why: string): never => {
    throw new JointlabError('network_roster_unpinned', `the job's roster does not match this enclave's pinned members: ${why}; the steward pins each member's key (jointlab network pin)`, 'conflict');
  };
  const provinces = new Set(members.map((m) => m.province));
  if (provinces.size !== members.length) refuse('a province is listed twice');
  const pinned = new Map((await listPeers(q)).map((p) => [p.province, p.publicKey]));
  for (const m of members) {
    if (m.province === own.province) {
      if (m.publicKey !== own.publicKey) refuse(`province ${m.province} is listed with a key that is not this enclave's identity`);
    } else if (!pinned.has(m.province)) refuse(`province ${m.province} is not pinned`);
    else if (pinned.get(m.province) !== m.publicKey) refuse(`province ${m.province} is listed with key ${keyFingerprint(m.publicKey)}, pinned ${keyFingerprint(pinned.get(m.province)!)}`);
  }
}
