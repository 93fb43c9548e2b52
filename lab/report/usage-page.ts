/** The dataset usage report as one self-contained HTML page, in the model report's style. */
import type { DatasetUsage } from '../api/usage';
import { escapeXml } from '../text';
import { REPORT_STYLE, fixed } from './page';
import { barChart } from './svg';

const count = (n: number | null, k: number): string => (n === null ? `fewer than ${k}` : String(n));

export function renderUsage(u: DatasetUsage): string {
  const period = u.from || u.to ? `from ${u.from ?? 'the start'} to ${u.to ? `${u.to} (excluded)` : 'today'}` : 'over all time';
  const rows = u.columns
    .map((c) => `<tr><td>${escapeXml(c.column)}</td><td>${escapeXml(c.policy)}</td><td>${count(c.jobs, u.k)}</td><td>${count(c.banks, u.k)}</td><td>${fixed(c.iv, 3)}</td><td>${c.liftShare === null ? '—' : `${fixed(c.liftShare * 100, 1)}%`}</td><td>${fixed(c.liftAuc, 4)}</td></tr>`)
    .join('');
  const used = u.columns.filter((c) => c.liftShare !== null || c.iv !== null);
  const charts = used.length
    ? `<div class="charts">${barChart({ title: 'Share of the joint models\' AUC lift by column', x: 'Column', y: 'Share of the lift' }, ['share'], used.map((c) => ({ label: c.column, values: [c.liftShare] })))}${barChart(
        { title: 'Mean information value in released scorecards', x: 'Column', y: 'Information value (IV)' },
        ['IV'],
        used.map((c) => ({ label: c.column, values: [c.iv] })),
      )}</div>`
    : `<p>No column has figures to show: none was used by released models of at least ${u.minBanks} banks in this period.</p>`;
  const lift = u.lift ? `<p>${u.lift.models} released joint model(s) had a bank-only twin; their test AUC rose by ${fixed(u.lift.meanAuc, 4)} on average with the platform's columns.</p>` : '';
  const body = [
    `<h1>Dataset usage: ${escapeXml(u.dataset)}</h1>`,
    `<p>Trained jobs on <code>${escapeXml(u.dataset)}</code> ${escapeXml(period)}: ${count(u.jobs, u.k)}, for ${count(u.banks, u.k)} bank(s). Counts under k = ${u.k} are not shown; a column's information value and share of the lift are shown only when released models of at least ${u.minBanks} banks stand behind them.</p>`,
    lift,
    '<h2>By column</h2>',
    `<table><thead><tr><th>column</th><th>policy</th><th>jobs</th><th>banks</th><th>mean IV</th><th>share of lift</th><th>AUC lift</th></tr></thead><tbody>${rows}</tbody></table>`,
    '<p class="note">Share of lift: each released joint model\'s test-AUC gain over its bank-only twin, split over its platform columns by information value (scorecards), size of standardized weights (logistic regression) or split gain (boosted trees); MLPs are not split.</p>',
    charts,
  ].join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Dataset usage: ${escapeXml(u.dataset)}</title><style>${REPORT_STYLE}</style></head><body><main>\n${body}\n</main></body></html>\n`;
}
