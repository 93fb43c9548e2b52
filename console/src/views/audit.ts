/** The audit log: the chain's verification first, then the latest entries. */
import { h, table, when } from '../dom.js';
import { AuditEntry, AuditVerdict } from '../types.js';
import { Rendered, ViewContext } from './view.js';

export async function auditView(ctx: ViewContext): Promise<Rendered> {
  const [verdict, { entries }] = await Promise.all([ctx.api.get<AuditVerdict>('/v1/audit/verify'), ctx.api.get<{ entries: AuditEntry[] }>('/v1/audit?limit=100')]);
  const banner = verdict.ok
    ? h('p', { class: 'verdict ok', role: 'status' }, `The audit chain is intact: all ${verdict.entries} entries verified.`)
    : h('p', { class: 'verdict broken', role: 'alert' }, `The audit chain is broken at entry ${verdict.firstBroken?.seq}: ${verdict.firstBroken?.problem}. Entries from there on cannot be trusted.`);
  const rows = entries
    .slice()
    .sort((a, b) => b.seq - a.seq)
    .map((e) => [String(e.seq), when(e.at), e.actor, e.action, e.object, h('code', {}, e.detail)]);
  return { title: 'Audit log', body: h('div', {}, banner, table('Latest 100 entries, newest first', ['#', 'When', 'Actor', 'Action', 'Object', 'Detail'], rows)) };
}
