/**
 * A bank's budgets in one place: its differential-privacy epsilon (spent and left) and, per platform
 * dataset, its use of the scoring model budget (counts under k not shown). A steward sees every
 * bank's scoring counts, exact; epsilon is per organization (jointlab privacy budget --org).
 */
import { h, table } from '../dom.js';
import { Dataset, PrivacyBudget } from '../types.js';
import { scoringBudgetSection } from './scoring-budget.js';
import { Rendered, ViewContext } from './view.js';

const eps = (x: number): string => String(Number(x.toFixed(3)));

export async function budgetView(ctx: ViewContext): Promise<Rendered> {
  const bank = ctx.me.role === 'bank';
  const [{ datasets }, privacy] = await Promise.all([
    ctx.api.get<{ datasets: Dataset[] }>('/v1/datasets'),
    bank ? ctx.api.get<PrivacyBudget>('/v1/privacy/budget') : Promise.resolve(undefined),
  ]);
  const epsilon = privacy
    ? h(
        'section',
        { 'aria-label': 'privacy budget' },
        h('h3', {}, 'Differential privacy'),
        table('Epsilon budget', ['Granted', 'Spent', 'Left'], [[eps(privacy.budget), eps(privacy.spent), eps(privacy.remaining)]]),
        h('p', { class: 'help' }, 'A DP job (plaintext or private) charges its epsilon when it is submitted; a rejected or cancelled job gives it back.'),
      )
    : null;
  const scoring = await Promise.all(datasets.map((d) => scoringBudgetSection(ctx, d, 'h3')));
  return {
    title: bank ? `Budgets of ${ctx.me.org}` : 'Scoring budgets',
    body: h('div', {}, epsilon, ...(scoring.length ? scoring : [h('p', {}, 'No platform dataset has been imported, so nothing can be scored yet.')])),
  };
}
