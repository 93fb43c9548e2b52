/**
 * Jobs and their results. Only what the API released is shown: the results route leaves out every
 * part the release check withheld, and the page lists those parts with the check's reasons.
 */
import { ApiError, messageOf } from '../api.js';
import { applicantsSection } from './applicants.js';
import { announce, download, fixed, h, ident, inlineMessage, table, when } from '../dom.js';
import { Job, Results } from '../types.js';
import { specSummary } from './queue.js';
import { progressOf } from './running.js';
import { kindOf, stabilitySection } from './stability.js';
import { Rendered, ViewContext } from './view.js';

const FINAL = ['released', 'withheld', 'failed', 'cancelled', 'rejected'];
const PMML_KINDS = ['lr', 'scorecard', 'gbdt'];

export async function jobsView(ctx: ViewContext): Promise<Rendered> {
  if (ctx.param) return jobView(ctx, ctx.param);
  const { jobs } = await ctx.api.get<{ jobs: Job[] }>('/v1/jobs');
  const title = ctx.me.role === 'bank' ? `Jobs of ${ctx.me.org}` : 'All jobs';
  if (!jobs.length) return { title, body: h('p', {}, 'No jobs yet.') };
  const newest = jobs.slice().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const aucs = await releasedTestAucs(ctx, newest);
  const rows = newest.map((j, i) => [
    h('a', { href: `#/jobs/${j.id}`, class: 'ident', title: j.name, 'data-ident': '' }, j.name),
    ident(j.org),
    h('span', { 'data-kind': '' }, kindOf(j.spec.mode)),
    j.spec.model.family,
    h('span', { class: `state state-${j.state}` }, j.state),
    h('span', { class: 'num', 'data-auc': '' }, aucs[i]),
    when(j.updatedAt),
  ]);
  const list = table('Jobs, newest first', ['Job', 'Organization', 'Kind', 'Model', 'State', 'Test AUC', 'Updated'], rows, { widths: ['24%', '13%', '10%', '8%', '10%', '9%', 'auto'] });
  return { title, body: list };
}

/**
 * The test AUC each job released, as the job page shows it; '—' where there is none: not finished,
 * the release check withheld the test metrics, or an encrypted job whose outputs only the bank holds.
 */
async function releasedTestAucs(ctx: ViewContext, jobs: Job[]): Promise<string[]> {
  const out = jobs.map(() => '—');
  const finished = jobs.map((j, i) => [j, i] as const).filter(([j]) => j.state === 'released' || j.state === 'withheld');
  // A few at a time: a long list should not flood the enclave with requests.
  for (let at = 0; at < finished.length; at += 6) {
    await Promise.all(
      finished.slice(at, at + 6).map(async ([j, i]) => {
        try {
          const r = await ctx.api.get<Results>(`/v1/jobs/${encodeURIComponent(j.id)}/results`);
          out[i] = fixed(r.released.metrics?.test?.auc);
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 409)) throw e;
        }
      }),
    );
  }
  return out;
}

function metricsTable(r: Results): HTMLElement | null {
  const m = r.released.metrics;
  if (!m) return null;
  return table(
    'Released metrics',
    ['Rows', 'Count', 'AUC', 'KS', 'Gini'],
    (['train', 'test'] as const).map((part) => [part, String(m.rows[part]), fixed(m[part]?.auc), fixed(m[part]?.ks), fixed(m[part]?.gini)]),
  );
}

/** Feature selection the job ran before its fit: the kept features and each step, as released. */
function selectionTable(r: Results): HTMLElement | null {
  const selection = r.released.selection;
  if (!selection) return null;
  return h(
    'section',
    { 'aria-label': 'feature selection' },
    h('p', {}, `Feature selection kept ${selection.features.length} features: ${selection.features.join(', ')}.${selection.note ? ` ${selection.note}` : ''}`),
    table(
      'Selection path',
      ['Step', 'Action', 'Feature', 'Metric', 'Value'],
      selection.path.map((p) => [String(p.step), p.action, ident(p.feature), p.metric, p.value === null ? '—' : String(p.value)]),
    ),
  );
}

function withheldList(r: Results): HTMLElement | null {
  if (!r.withheld.length) return null;
  return h(
    'section',
    { class: 'withheld', 'aria-label': 'withheld outputs' },
    h('h3', {}, 'Withheld by the release check'),
    h('ul', {}, ...r.withheld.map((w) => h('li', {}, h('strong', {}, w.part), `: ${w.reason}`))),
  );
}

function scoringRule(r: Results): HTMLElement | null {
  const v = r.scoring;
  if (!v) return null;
  return h(
    'section',
    { class: 'scoring-rule', 'aria-label': 'scoring rule' },
    h('h3', {}, 'Scoring rule'),
    h('p', {}, v.passes ? 'Passed: the model may score consented enterprises.' : `Failed: the model cannot score enterprises. ${v.reason ?? ''}`),
    v.features.length ? table('Share of the platform score variance per feature', ['Feature', 'Share'], v.features.map((f) => [f.name, `${Math.round(f.share * 100)}%`])) : null,
  );
}

async function resultsSection(ctx: ViewContext, job: Job): Promise<HTMLElement> {
  let r: Results;
  try {
    r = await ctx.api.get<Results>(`/v1/jobs/${encodeURIComponent(job.id)}/results`);
  } catch (e) {
    // Encrypted jobs deliver their outputs under the bank's key: the enclave holds no results for them.
    if (e instanceof ApiError && e.status === 409) return h('p', { class: 'notice' }, 'The enclave holds no results for this job: encrypted jobs deliver their outputs to the bank under its own key.');
    throw e;
  }
  const frame = h('div', { class: 'report-frame' });
  const base = `/v1/jobs/${encodeURIComponent(job.id)}`;
  // A failed download or report answers next to the buttons that asked for it.
  const message = inlineMessage();
  const guard = (work: () => Promise<void>) => async () => {
    message.say('');
    try {
      await work();
    } catch (e) {
      message.say(messageOf(e), 'error');
    }
  };
  const downloadButton = (label: string, file: string, type: string, path: string): HTMLElement =>
    h('button', { type: 'button', onclick: () => void guard(async () => download(file, type, await ctx.api.text(path)))() }, label);
  const openReport = guard(async () => {
    const html = await ctx.api.text(`${base}/report`);
    // Sandboxed with no permissions: the report is static, and in the frame it can run nothing.
    frame.replaceChildren(h('iframe', { title: `Model report of ${job.name}`, sandbox: '', srcdoc: html }));
    announce(`Report of "${job.name}" opened below.`);
  });
  const kind = r.released.parameters?.model.kind;
  const buttons = [
    h('button', { type: 'button', class: 'primary', onclick: () => void openReport() }, 'Open report'),
    downloadButton('Download report', `report-${job.id}.html`, 'text/html', `${base}/report`),
    kind && PMML_KINDS.includes(kind) ? downloadButton('Download PMML', `${job.id}.pmml`, 'application/xml', `${base}/model?format=pmml`) : null,
    kind ? downloadButton('Download model JSON', `${job.id}.json`, 'application/json', `${base}/model?format=json`) : null,
  ];
  return h(
    'section',
    { 'aria-label': 'results' },
    h('h3', {}, 'Results'),
    h('p', {}, `${r.released.stability || job.spec.mode === 'monitor' ? 'Computed in the enclave' : `Trained on ${r.backend}`} in ${r.seconds.toFixed(2)} s; every released figure stands for at least k = ${r.k} rows.`),
    stabilitySection(r),
    metricsTable(r),
    selectionTable(r),
    withheldList(r),
    scoringRule(r),
    h('div', { class: 'actions' }, ...buttons, message.element),
    frame,
    applicantsSection(ctx, job, r),
  );
}

/** A refused cancel, kept across the live page's redraws (every second) until the next try. */
const cancelRefusals = new Map<string, string>();

async function jobView(ctx: ViewContext, id: string): Promise<Rendered> {
  const job = await ctx.api.get<Job>(`/v1/jobs/${encodeURIComponent(id)}`);
  const live = !FINAL.includes(job.state);
  const cancelMessage = inlineMessage();
  const refused = cancelRefusals.get(id);
  if (refused) cancelMessage.say(refused, 'error');
  const cancel = async (): Promise<void> => {
    cancelMessage.say('');
    cancelRefusals.delete(id);
    try {
      await ctx.api.post(`/v1/jobs/${encodeURIComponent(id)}/cancel`);
      announce(`Cancelled "${job.name}".`);
      ctx.refresh();
    } catch (e) {
      cancelMessage.say(messageOf(e), 'error');
      cancelRefusals.set(id, messageOf(e));
    }
  };
  const body = h(
    'div',
    { class: 'job', 'data-job': job.id, 'data-state': job.state },
    h('p', {}, h('span', { class: `state state-${job.state}` }, job.state), job.reason ? ` — ${job.reason}` : '', ` · ${job.org} · ${kindOf(job.spec.mode)} · ${job.spec.model.family} · updated ${when(job.updatedAt)}`),
    live && job.state !== 'submitted' ? progressOf(job) : null,
    job.state === 'approved' || job.state === 'running' ? h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => void cancel() }, 'Cancel job'), cancelMessage.element) : null,
    h('details', {}, h('summary', {}, 'Spec'), specSummary(job)),
    job.flags?.length ? h('ul', { class: 'flags' }, ...job.flags.map((f) => h('li', {}, h('strong', {}, f.code.replace(/_/g, ' ')), `: ${f.message}`))) : null,
    job.state === 'released' || job.state === 'withheld' ? await resultsSection(ctx, job) : null,
  );
  return { title: `Job ${job.name}`, body, ...(live ? { liveEvery: 1000 } : {}) };
}
