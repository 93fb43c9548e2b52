/** Principals and their API tokens: a token is shown once at creation; only its SHA-256 is stored. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Role, ROLES } from '../../lab/spec/policy';
import { JointlabError } from '../../lab/errors';
import { appendAudit } from '../audit/log';
import { Db, Queries } from '../store/db';
import type { Principal } from '../../lab/api/principals';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const LABEL = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

export async function addPrincipal(db: Db, input: { name: string; role: string; org: string }, actor: string): Promise<{ principal: Principal; token: string }> {
  if (!(ROLES as readonly string[]).includes(input.role)) {
    throw new JointlabError('bad_role', `role must be one of ${ROLES.join(', ')}`, 'usage');
  }
  if (!LABEL.test(input.name) || !LABEL.test(input.org)) {
    throw new JointlabError('bad_name', 'name and org must be 1-64 letters, digits, spaces, dots, dashes or underscores', 'usage');
  }
  const principal: Principal = { id: `p_${randomUUID()}`, name: input.name, role: input.role as Role, org: input.org };
  const token = `jl_${randomBytes(24).toString('base64url')}`;
  await db.transaction(async (q) => {
    await q.run('INSERT INTO principals (id, name, role, org, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      principal.id,
      principal.name,
      principal.role,
      principal.org,
      hashToken(token),
      new Date().toISOString(),
    ]);
    await appendAudit(q, { actor, action: 'principal.add', object: `principal:${principal.id}`, detail: { role: principal.role, org: principal.org } });
  });
  return { principal, token };
}

export async function principalByTokenHash(q: Queries, tokenHash: string): Promise<Principal | undefined> {
  return q.get<Principal>('SELECT id, name, role, org FROM principals WHERE token_hash = ?', [tokenHash]);
}
