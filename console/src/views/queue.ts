/** The steward's review queue: submitted jobs with their spec and risk flags, to approve or reject with a reason. */
import { messageOf } from '../api.js';
import { announce, h, ident, identList, inlineMessage, when } from '../dom.js';
import { Dataset, Job } from '../types.js';
import { Rendered, ViewContext } from './view.js';

/** The spec as a steward reads it: purpose, model, label and every column asked for. */
export function specSummary(job: Job): HTMLElement {
  const s = job.spec;
  const rows: [string, Node | string][] = [
    ['Purpose', s.purpose],
    ['Mode', s.mode ?? 'plaintext'],
    ['Model', s.model.family],
    ['Label', s.label ? ident(s.label) : '—'],
    ['Bank columns', identList(s.bank?.columns ?? [], 'bank columns')],
    ['Platform dataset', s.platform ? ident(s.platform.dataset) : 'none (bank-only)'],
    ['Platform columns', identList(s.platform?.columns ?? [], 'platform columns')],
    ['Differential privacy', s.privacy ? `ε = ${s.privacy.epsilon}` : 'no'],
    ...(s.monitor ? ([['Monitored job', ident(s.monitor.job)], ['Snapshots', `${s.monitor.base ?? '—'} against ${s.monitor.current ?? '—'}`]] as [string, Node | string][]) : []),
  ];
  return h('dl', { class: 'spec' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function reviewCard(ctx: ViewContext, job: Job, datasets: Dataset[]): HTMLElement {
  const dataset = datasets.find((d) => d.name === job.spec.platform?.dataset);
  const sensitive = (job.spec.platform?.columns ?? []).filter((c) => dataset?.columns.find((d) => d.name === c)?.policy === 'sensitive');
  const boxes = sensitive.map((c) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'allow', value: c }), ` allow sensitive column ${c}`));
  const reason = h('textarea', { id: `reason-${job.id}`, rows: '2', maxlength: '500' });
  // Each action answers next to its own button, so a refusal is read where the steward is looking.
  const approveMessage = inlineMessage();
  const rejectMessage = inlineMessage();
  const act = async (action: 'approve' | 'reject'): Promise<void> => {
    const message = action === 'approve' ? approveMessage : rejectMessage;
    message.say('');
    try {
      if (action === 'approve') {
        const allowSensitive = boxes.map((b) => b.querySelector('input')!).filter((i) => i.checked).map((i) => i.value);
        await ctx.api.post(`/v1/jobs/${encodeURIComponent(job.id)}/approve`, { allowSensitive });
        announce(`Approved "${job.name}". It starts training shortly; follow it under Running.`);
      } else {
        if (!reason.value.trim()) {
          message.say('Write a reason before rejecting: the bank reads it.', 'error');
          reason.focus();
          return;
        }
        await ctx.api.post(`/v1/jobs/${encodeURIComponent(job.id)}/reject`, { reason: reason.value.trim() });
        announce(`Rejected "${job.name}".`);
      }
      ctx.refresh();
    } catch (e) {
      message.say(messageOf(e), 'error');
    }
  };
  const flags = job.flags ?? [];
  return h(
    'article',
    { class: 'card', 'data-job': job.id },
    h('h3', {}, ident(job.name)),
    h('p', { class: 'meta' }, ident(job.org), ` · submitted ${when(job.createdAt)} · `, h('a', { href: `#/jobs/${job.id}` }, 'details')),
    specSummary(job),
    h('h4', {}, 'Risk flags'),
    flags.length ? h('ul', { class: 'flags' }, ...flags.map((f) => h('li', {}, h('strong', {}, f.code.replace(/_/g, ' ')), `: ${f.message}`))) : h('p', {}, 'None.'),
    boxes.length ? h('fieldset', {}, h('legend', {}, 'Sensitive columns need explicit approval'), ...boxes) : null,
    h('div', { class: 'actions', 'data-action': 'approve' }, h('button', { type: 'button', class: 'primary', onclick: () => void act('approve') }, `Approve ${job.name}`), approveMessage.element),
    h(
      'div',
      { class: 'reject', 'data-action': 'reject' },
      h('label', { for: `reason-${job.id}` }, 'Reason for rejecting (the bank reads it)'),
      reason,
      h('button', { type: 'button', onclick: () => void act('reject') }, `Reject ${job.name}`),
      rejectMessage.element,
    ),
  );
}

export async function queueView(ctx: ViewContext): Promise<Rendered> {
  if (ctx.me.role !== 'steward') return { title: 'Review queue', body: h('p', { class: 'notice' }, 'The review queue is for data stewards.') };
  const [{ jobs }, { datasets }] = await Promise.all([ctx.api.get<{ jobs: Job[] }>('/v1/jobs?state=submitted'), ctx.api.get<{ datasets: Dataset[] }>('/v1/datasets')]);
  const body = jobs.length ? h('div', { class: 'cards' }, ...jobs.map((j) => reviewCard(ctx, j, datasets))) : h('p', {}, 'No jobs are waiting for review.');
  return { title: `Review queue (${jobs.length})`, body };
}
