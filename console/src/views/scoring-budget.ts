/** A dataset's scoring policy and each bank's use of the model budget (for a bank: its own, counts under k not shown). */
import { h, ident, table } from '../dom.js';
import { Dataset, ScoringBudget } from '../types.js';
import { ViewContext } from './view.js';

export async function scoringBudgetSection(ctx: ViewContext, d: Dataset, heading: 'h3' | 'h4' = 'h4'): Promise<HTMLElement> {
  const b = await ctx.api.get<ScoringBudget>(`/v1/scoring/budget/${encodeURIComponent(d.name)}`);
  const p = b.policy;
  // A bank's counts each stand for at least k enterprises; smaller ones come back as null.
  const count = (n: number | null) => (n === null ? `under ${d.k}` : String(n));
  const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
  return h(
    'section',
    { class: 'scoring-budget', 'aria-label': `scoring budget of ${d.name}`, 'data-dataset': d.name },
    h(heading, {}, 'Scoring on ', ident(d.name)),
    h(
      'p',
      {},
      `Model budget: at most ${p.modelsPerWindow} distinct models may score one enterprise for one bank in ${p.windowDays} days. ` +
        `Score noise: a value is replaced by another enterprise's with probability ${p.noiseSwap}, numeric values get Gaussian noise of ${p.noiseSd} sd.`,
    ),
    b.banks.length
      ? table(
          `Model-budget use on ${d.name} in the last ${p.windowDays} days`,
          ['Bank', 'Models that scored', 'Enterprises scored, by how many models', `At the limit of ${p.modelsPerWindow}`],
          b.banks.map((x) => [
            ident(x.bank),
            String(x.models),
            h('ul', { class: 'plain' }, ...x.byModels.map((m) => h('li', {}, `${count(m.enterprises)} by ${m.models} ${plural(m.models, 'model', 'models')}`))),
            count(x.atLimit),
          ]),
          { widths: ['20%', '16%', 'auto', '18%'] },
        )
      : h('p', {}, `No enterprise was scored on ${d.name} in the last ${p.windowDays} days.`),
  );
}
