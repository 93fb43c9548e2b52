/** A bank's uploaded tables (a steward sees every bank's): names, ids and columns, never rows. */
import { h, ident, identList, table, when } from '../dom.js';
import { Upload } from '../types.js';
import { Rendered, ViewContext } from './view.js';

export async function uploadsView(ctx: ViewContext): Promise<Rendered> {
  const { uploads } = await ctx.api.get<{ uploads: Upload[] }>('/v1/uploads');
  const bank = ctx.me.role === 'bank';
  const title = bank ? `Uploads of ${ctx.me.org}` : 'Uploads of every bank';
  if (!uploads.length) return { title, body: h('p', {}, bank ? 'You have uploaded no table yet (jointlab upload FILE --name NAME).' : 'No bank has uploaded a table.') };
  const newest = uploads.slice().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const rows = newest.map((u) => [
    ident(u.name),
    h('code', { class: 'ident', title: u.id, 'data-ident': '', 'data-upload': u.id }, u.id),
    ...(bank ? [] : [ident(u.org)]),
    ident(u.idColumn),
    identList(u.columns.map((c) => c.name), `columns of ${u.name}`),
    h('span', { class: 'num' }, String(u.rows)),
    when(u.createdAt),
  ]);
  const headers = ['Name', 'Upload id', ...(bank ? [] : ['Organization']), 'Id column', 'Columns', 'Rows', 'Uploaded'];
  // The upload id (u_ and a UUID) is the one people copy into specs: room for all of it at 1280 px.
  const widths = bank ? ['14%', '27%', '7.5rem', 'auto', '5rem', '10.5rem'] : ['11%', '27%', '9rem', '7.5rem', 'auto', '5rem', '10.5rem'];
  return {
    title,
    body: h(
      'div',
      {},
      h('p', { class: 'help' }, 'Rows never leave the enclave: a job names an upload by its id, and only the released results come back. Delete an upload with jointlab upload delete ID.'),
      table('Uploaded tables, newest first', headers, rows, { widths }),
    ),
  };
}
