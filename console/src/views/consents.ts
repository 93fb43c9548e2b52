/** Consent records per bank and purpose, counted by status. */
import { count, h, ident, table } from '../dom.js';
import { ConsentCount } from '../types.js';
import { Rendered, ViewContext } from './view.js';

export async function consentsView(ctx: ViewContext): Promise<Rendered> {
  const { k, counts } = await ctx.api.get<{ k: number; counts: ConsentCount[] }>('/v1/consents/counts');
  if (!counts.length) return { title: 'Consents', body: h('p', {}, 'No consent records have been imported.') };
  const rows = counts.map((c) => [ident(c.bank), c.purpose, count(c.active, k), count(c.revoked, k), count(c.expired, k), count(c.pending, k)]);
  return { title: 'Consents', body: table(`Consent records by status (counts rounded to 5; under ${k} not shown)`, ['Bank', 'Purpose', 'In force', 'Revoked', 'Expired', 'Not yet in force'], rows) };
}
