/** Platform datasets with their column policies and k, and for stewards and banks the scoring policy and model-budget use. */
import { h, table } from '../dom.js';
import { Dataset, ScoringBudget } from '../types.js';
import { Rendered, ViewContext } from './view.js';

async function scoringSection(ctx: ViewContext, d: Dataset): Promise<HTMLElement | null> {
  if (ctx.me.role !== 'steward' && ctx.me.role !== 'bank') return null;
  const b = await ctx.api.get<ScoringBudget>(`/v1/scoring/budget/${encodeURIComponent(d.name)}`);
  const p = b.policy;
  const count = (n: number | null) => (n === null ? `under ${d.k}` : String(n));
  return h(
    'section',
    { class: 'scoring-budget', 'aria-label': `scoring policy of ${d.name}` },
    h('h4', {}, 'Scoring'),
    h(
      'p',
      {},
      `Model budget: at most ${p.modelsPerWindow} distinct models per enterprise and bank in ${p.windowDays} days. ` +
        `Score noise: a value is replaced by another enterprise's with probability ${p.noiseSwap}, numeric values get Gaussian noise of ${p.noiseSd} sd.`,
    ),
    b.banks.length
      ? table(
          `Model-budget use on ${d.name}`,
          ['Bank', 'Models', 'Enterprises by models that scored them', 'At the limit'],
          b.banks.map((x) => [x.bank, String(x.models), x.byModels.map((m) => `${m.models}: ${count(m.enterprises)}`).join(', '), count(x.atLimit)]),
        )
      : h('p', {}, 'No enterprise was scored in the window.'),
  );
}

export async function datasetsView(ctx: ViewContext): Promise<Rendered> {
  const { datasets } = await ctx.api.get<{ datasets: Dataset[] }>('/v1/datasets');
  if (!datasets.length) return { title: 'Datasets', body: h('p', {}, 'No platform dataset has been imported.') };
  const sections = await Promise.all(
    datasets.map(async (d) =>
      h(
        'section',
        { class: 'dataset' },
        h('h3', {}, d.name),
        h('p', {}, `${d.rows} rows · k = ${d.k} · ${d.requireTrainingConsent ? 'joint training only on customers with a training consent' : 'no training consent required'}`),
        table(`Column policies of ${d.name}`, ['Column', 'Type', 'Policy'], d.columns.map((c) => [c.name, c.type, h('span', { class: `policy policy-${c.policy}` }, c.policy)])),
        await scoringSection(ctx, d),
      ),
    ),
  );
  return { title: 'Datasets', body: h('div', {}, ...sections) };
}
