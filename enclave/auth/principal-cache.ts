/**
 * Remembers, for a short while, which principal a token's hash belongs to, so that a client polling a
 * job does not cost a principals lookup per request.
 */
import type { Principal } from '../../lab/api/principals';

/**
 * Principals are only ever added (no route or verb changes or removes one), so a remembered answer
 * cannot go stale; the time limit still bounds how long one would outlive a future revocation that
 * forgot to call `forget`. Unknown tokens are never remembered: a principal added meanwhile (by the
 * CLI, on the same database file) must work at once.
 */
export const PRINCIPAL_TTL_MS = 30_000;
const MAX_ENTRIES = 1024;

export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly ttlMs = PRINCIPAL_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(tokenHash: string): Principal | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.principal;
  }

  set(tokenHash: string, principal: Principal): void {
    // Oldest first out: a Map iterates in insertion order.
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(tokenHash, { principal, until: this.now() + this.ttlMs });
  }

  forget(tokenHash: string): void {
    this.entries.delete(tokenHash);
  }
}
