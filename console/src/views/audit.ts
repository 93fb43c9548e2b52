/** The audit log: the chain's verification first, then the latest entries with people by name and details as plain text. */
import { h, ident, table } from '../dom.js';
import { AuditEntry, AuditPage, AuditPrincipal, AuditVerdict } from '../types.js';
import { Rendered, ViewContext } from './view.js';

/** "allowSensitive" and "rows_test" read as "allow sensitive" and "rows test". */
const words = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();

function plain(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length ? value.map(plain).join(', ') : 'none';
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${words(k)} ${plain(v)}`).join('; ');
  return String(value);
}

/** An entry's detail as "key: value" lines; anything that is not a JSON object is shown as written. */
export function detailOf(detail: string): HTMLElement | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return detail;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return plain(parsed);
  const pairs = Object.entries(parsed as Record<string, unknown>);
  if (!pairs.length) return '—';
  return h('dl', { class: 'detail' }, ...pairs.map(([k, v]) => h('div', {}, h('dt', {}, `${words(k)}:`), h('dd', {}, plain(v)))));
}

function person(id: string, who: AuditPrincipal | undefined): HTMLElement {
  if (!who) return h('span', {}, ident(id), id === 'enclave' ? h('span', { class: 'muted' }, ' (the service)') : null);
  return h('span', { 'data-principal': id }, ident(who.name), h('br'), h('span', { class: 'muted' }, `${who.role} · `, ident(who.org)));
}

function objectOf(object: string, principals: AuditPage['principals']): HTMLElement {
  const at = object.indexOf(':');
  if (at < 0) return ident(object);
  const [kind, id] = [object.slice(0, at), object.slice(at + 1)];
  if (kind === 'principal') return h('span', {}, 'principal ', person(id, principals[id]));
  if (kind === 'job') return h('span', {}, 'job ', h('a', { href: `#/jobs/${id}`, class: 'ident', title: id, 'data-ident': '' }, id));
  return h('span', {}, `${kind} `, ident(id));
}

function whenCell(iso: string): HTMLElement {
  const [date, time] = iso.replace(/\.\d+Z$/, '').split('T');
  return h('span', {}, h('span', { class: 'ident' }, date), h('br'), h('span', { class: 'ident' }, `${time} UTC`));
}

export async function auditView(ctx: ViewContext): Promise<Rendered> {
  const [verdict, { entries, principals }] = await Promise.all([ctx.api.get<AuditVerdict>('/v1/audit/verify'), ctx.api.get<AuditPage>('/v1/audit?limit=100')]);
  const banner = verdict.ok
    ? h('p', { class: 'verdict ok', role: 'status' }, `The audit chain is intact: all ${verdict.entries} entries verified.`)
    : h('p', { class: 'verdict broken', role: 'alert' }, `The audit chain is broken at entry ${verdict.firstBroken?.seq}: ${verdict.firstBroken?.problem}. Entries from there on cannot be trusted.`);
  const rows = entries
    .slice()
    .sort((a: AuditEntry, b: AuditEntry) => b.seq - a.seq)
    .map((e) => [String(e.seq), whenCell(e.at), person(e.actor, principals[e.actor]), ident(e.action), objectOf(e.object, principals), detailOf(e.detail)]);
  const log = table('Latest 100 entries, newest first', ['#', 'When', 'Actor', 'Action', 'Object', 'Detail'], rows, { widths: ['4rem', '8.5rem', '13%', '12%', '25%', 'auto'] });
  log.classList.add('audit');
  return { title: 'Audit log', body: h('div', {}, banner, log) };
}
