/** Jobs the release check held back in part, each with the parts withheld and the reasons, for the steward's follow-up. */
import { h, ident, table, when } from '../dom.js';
import { Job, Results } from '../types.js';
import { Rendered, ViewContext } from './view.js';

export async function withheldView(ctx: ViewContext): Promise<Rendered> {
  const { jobs } = await ctx.api.get<{ jobs: Job[] }>('/v1/jobs?state=withheld');
  if (!jobs.length) return { title: 'Withheld outputs', body: h('p', {}, 'The release check has withheld nothing.') };
  const results = await Promise.all(jobs.map((j) => ctx.api.get<Results>(`/v1/jobs/${encodeURIComponent(j.id)}/results`)));
  const rows = jobs.flatMap((j, i) => results[i].withheld.map((w) => [h('a', { href: `#/jobs/${j.id}`, class: 'ident', title: j.name, 'data-ident': '' }, j.name), ident(j.org), w.part, w.reason, when(j.updatedAt)]));
  return { title: `Withheld outputs (${jobs.length} ${jobs.length === 1 ? 'job' : 'jobs'})`, body: table('Parts the release check withheld, with its reasons', ['Job', 'Organization', 'Part', 'Reason', 'Checked'], rows, { widths: ['20%', '12%', '14%', 'auto', '12rem'] }) };
}
