/** Jobs approved and training, with live progress. */
import { h, ident } from '../dom.js';
import { Job } from '../types.js';
import { Rendered, ViewContext } from './view.js';

export function progressOf(job: Job): HTMLElement {
  const percent = Math.round(job.progress * 100);
  return h(
    'div',
    { class: 'progress' },
    h('progress', { max: '100', value: String(percent), 'aria-label': `${job.name} progress` }),
    ` ${job.state === 'approved' ? 'waiting to start' : `${percent}%`}${job.progressNote ? ` — ${job.progressNote}` : ''}`,
  );
}

export async function runningView(ctx: ViewContext): Promise<Rendered> {
  const [approved, running] = await Promise.all([ctx.api.get<{ jobs: Job[] }>('/v1/jobs?state=approved'), ctx.api.get<{ jobs: Job[] }>('/v1/jobs?state=running')]);
  const jobs = [...running.jobs, ...approved.jobs];
  const body = jobs.length
    ? h('ul', { class: 'running' }, ...jobs.map((j) => h('li', { 'data-job': j.id }, h('a', { href: `#/jobs/${j.id}`, class: 'ident', title: j.name, 'data-ident': '' }, j.name), ' (', ident(j.org), ') ', progressOf(j))))
    : h('p', {}, 'No job is training now.');
  return { title: 'Running', body, liveEvery: 1000 };
}
