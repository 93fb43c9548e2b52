/**
 * A bank scores new applicants with a released joint logistic regression or scorecard: it picks a
 * CSV of the applicants' own features (the bank's side), the enclave adds the platform part for those
 * with a scoring consent (POST /v1/jobs/{id}/applicants) and the page shows and saves full scores.
 */
import { messageOf } from '../api.js';
import { announce, download, fixed, h, ident, inlineMessage, table } from '../dom.js';
import { ApplicantScores, Job, Results } from '../types.js';
import { ViewContext } from './view.js';

const SPLITTABLE = ['lr', 'scorecard'];

/** The section for a bank's released joint model that splits into a bank part and a platform part; null otherwise. */
export function applicantsSection(ctx: ViewContext, job: Job, r: Results): HTMLElement | null {
  const kind = r.released.parameters?.model.kind;
  const joint = Boolean(job.spec.platform && job.spec.bank?.columns?.length);
  if (ctx.me.role !== 'bank' || !joint || !kind || !SPLITTABLE.includes(kind)) return null;
  const file = h('input', { type: 'file', id: 'applicants-file', accept: '.csv,text/csv' }) as HTMLInputElement;
  const idColumn = h('input', { type: 'text', id: 'applicants-id', value: 'id', size: '12' }) as HTMLInputElement;
  const message = inlineMessage();
  const out = h('div', {});
  const score = async (): Promise<void> => {
    message.say('');
    const picked = file.files?.[0];
    if (!picked) {
      message.say('Choose a CSV file of your applicants first: an id column and your own features of them.', 'error');
      return;
    }
    try {
      const path = `/v1/jobs/${encodeURIComponent(job.id)}/applicants?idColumn=${encodeURIComponent(idColumn.value || 'id')}`;
      const answer = await ctx.api.postCsv<ApplicantScores>(path, await picked.text());
      const points = answer.unit === 'points';
      const csv = ['id,score' + (points ? ',points' : '') + ',bank_part,platform_part', ...answer.scores.map((s) => [s.id, fixed(s.score), ...(points ? [fixed(s.points!, 2)] : []), fixed(s.bankPart), fixed(s.platformPart)].join(','))].join('\n') + '\n';
      out.replaceChildren(
        table(
          `Scores of ${answer.scores.length} applicants`,
          ['Applicant', 'P(default)', ...(points ? ['Points'] : []), 'Bank part', 'Platform part'],
          answer.scores.map((s) => [ident(s.id), fixed(s.score), ...(points ? [fixed(s.points!, 2)] : []), fixed(s.bankPart), fixed(s.platformPart)]),
        ),
        answer.refused.length ? table(`Refused: ${answer.refused.length} applicants`, ['Applicant', 'Reason'], answer.refused.map((x) => [ident(x.id), x.reason])) : h('p', {}, 'No applicant was refused.'),
        h('button', { type: 'button', onclick: () => download(`scores-${job.id}.csv`, 'text/csv', csv) }, 'Download scores CSV'),
      );
      announce(`${answer.scores.length} applicants scored, ${answer.refused.length} refused.`);
    } catch (e) {
      message.say(messageOf(e), 'error');
    }
  };
  return h(
    'section',
    { 'aria-label': 'score applicants' },
    h('h3', {}, 'Score new applicants'),
    h(
      'p',
      {},
      `Your part of the score comes from your own features of the applicants (${(job.spec.bank?.columns ?? []).join(', ')}); the enclave adds the platform part for applicants with a scoring consent, and keeps nothing of the file.`,
    ),
    h('p', {}, h('label', { for: 'applicants-file' }, 'Applicants CSV '), file, ' ', h('label', { for: 'applicants-id' }, 'id column '), idColumn),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => void score() }, 'Score applicants'), message.element),
    out,
  );
}
