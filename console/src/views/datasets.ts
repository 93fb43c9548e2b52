/** Platform datasets with their column policies and k, and for stewards and banks the scoring policy and model-budget use. */
import { messageOf } from '../api.js';
import { download, h, ident, inlineMessage, table } from '../dom.js';
import { Dataset } from '../types.js';
import { scoringBudgetSection } from './scoring-budget.js';
import { Rendered, ViewContext } from './view.js';

export async function datasetsView(ctx: ViewContext): Promise<Rendered> {
  const { datasets } = await ctx.api.get<{ datasets: Dataset[] }>('/v1/datasets');
  if (!datasets.length) return { title: 'Datasets', body: h('p', {}, 'No platform dataset has been imported.') };
  const sections = await Promise.all(
    datasets.map(async (d) =>
      h(
        'section',
        { class: 'dataset' },
        h('h3', {}, ident(d.name)),
        h('p', {}, `${d.rows} rows · k = ${d.k} · ${d.requireTrainingConsent ? 'joint training only on customers with a training consent' : 'no training consent required'}`),
        table(`Column policies of ${d.name}`, ['Column', 'Type', 'Policy'], d.columns.map((c) => [ident(c.name), c.type, h('span', { class: `policy policy-${c.policy}` }, c.policy)])),
        ctx.me.role === 'steward' || ctx.me.role === 'bank' ? await scoringBudgetSection(ctx, d) : null,
        ctx.me.role === 'steward' ? usageDownload(ctx, d.name) : null,
      ),
    ),
  );
  return { title: 'Datasets', body: h('div', {}, ...sections) };
}

/** The steward's usage report for data providers (GET /v1/datasets/{name}/usage), as the HTML file the CLI writes. */
function usageDownload(ctx: ViewContext, name: string): HTMLElement {
  const message = inlineMessage();
  const fetchReport = async (): Promise<void> => {
    message.say('');
    try {
      download(`usage-${name}.html`, 'text/html', await ctx.api.text(`/v1/datasets/${encodeURIComponent(name)}/usage?format=html`));
    } catch (e) {
      message.say(messageOf(e), 'error');
    }
  };
  return h('p', {}, h('button', { type: 'button', onclick: () => void fetchReport() }, `Download usage report of ${name}`), message.element);
}
