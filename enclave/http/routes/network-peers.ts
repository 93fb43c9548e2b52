/** The steward's pins of the other network members' identity keys (enclave/network/peers.ts). */
import { Router } from 'express';
import { JointlabError } from '../../../lab/errors';
import { keyFingerprint } from '../../../lab/secagg';
import type { NetworkPeers } from '../../../lab/api/network-peers';
import { listPeers, pinPeer } from '../../network/peers';
import { networkIdentity } from '../../network/membership';
import { allow, jsonBody, principalOf } from '../auth';
import { EnclaveContext } from '../context';

export function networkPeerRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.get('/network-peers', allow('steward'), async (_req, res) => {
    const province = ctx.settings.network?.province;
    const publicKey = province ? (await networkIdentity(ctx.db)).publicKey : undefined;
    res.json({ own: province && publicKey ? { province, publicKey, fingerprint: keyFingerprint(publicKey) } : null, peers: await listPeers(ctx.db) } satisfies NetworkPeers);
  });
  r.post('/network-peers', allow('steward'), async (req, res) => {
    const body = jsonBody(req) as { province?: unknown; publicKey?: unknown };
    if (typeof body?.province !== 'string' || typeof body.publicKey !== 'string') throw new JointlabError('bad_peer', 'a pin is { "province": "11", "publicKey": "<base64 X25519 key>" }');
    res.status(201).json(await pinPeer(ctx.db, { province: body.province, publicKey: body.publicKey }, ctx.settings.network?.province, principalOf(res).id));
  });
  return r;
}
