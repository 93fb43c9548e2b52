/** A member enclave's pinned peers: the other provinces' identity keys its steward has checked out of band. */
export interface NetworkPeer {
  province: string;
  publicKey: string;
  /** sha256 of the raw key, first 16 bytes in hex groups: what two stewards read to each other. */
  fingerprint: string;
  pinnedBy: string;
  pinnedAt: string;
}

export interface NetworkPeers {
  /** This enclave's own province and key (what the other members pin). */
  own: { province: string; publicKey: string; fingerprint: string } | null;
  peers: NetworkPeer[];
}
