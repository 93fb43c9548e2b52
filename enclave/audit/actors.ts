/** Who the principals named in audit entries are (name, role, organization), so a reader sees people rather than ids. */
import { Queries } from '../store/db';
import type { AuditEntry, AuditPrincipal } from '../../lab/api/audit';

/**
 * The principals that act in, or are the object of, the given entries, keyed by id. An id with no
 * principal behind it (the enclave itself, the CLI on the database, a principal since removed) is
 * left out: the reader shows it as it is written in the entry.
 */
export async function principalsOf(q: Queries, entries: Pick<AuditEntry, 'actor' | 'object'>[]): Promise<Record<string, AuditPrincipal>> {
  const ids = new Set<string>();
  for (const e of entries) {
    ids.add(e.actor);
    if (e.object.startsWith('principal:')) ids.add(e.object.slice('principal:'.length));
  }
  const list = [...ids];
  const found: Record<string, AuditPrincipal> = {};
  // In batches: SQLite may allow as few as 999 parameters in one statement.
  for (let i = 0; i < list.length; i += 500) {
    const batch = list.slice(i, i + 500);
    const rows = await q.all<{ id: string } & AuditPrincipal>(`SELECT id, name, role, org FROM principals WHERE id IN (${batch.map(() => '?').join(', ')})`, batch);
    for (const r of rows) found[r.id] = { name: r.name, role: r.role, org: r.org };
  }
  return found;
}
