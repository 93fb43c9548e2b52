/**
 * The report of a monitor job: one self-contained HTML page in the model report's style, drawn from
 * the released stability figures alone: the PSI and CSI bars against the 0.1 and 0.25 lines, and the
 * two snapshots' shares of the score's bins.
 */
import type { ReleasedStability } from '../api/monitor';
import { escapeXml } from '../text';
import { REPORT_STYLE, fixed } from './page';
import { barChart } from './svg';

export interface StabilityReportInput {
  id: string;
  name: string;
  state: string;
  stability?: ReleasedStability;
  withheld: { part: string; reason: string }[];
  footer: string;
}

const UNIT = { probability: 'probability of default', logit: 'log-odds of default', points: 'scorecard points' } as const;

export function renderStability(job: StabilityReportInput): string {
  const s = job.stability;
  const withheld = job.withheld.length
    ? `<section class="withheld" aria-label="withheld outputs"><h2>Withheld by the release check</h2><ul>${job.withheld.map((w) => `<li><strong>${escapeXml(w.part)}</strong>: ${escapeXml(w.reason)}</li>`).join('')}</ul><p class="note">These figures are not drawn anywhere in this report.</p></section>`
    : '';
  if (!s) {
    return page(job.name, [`<h1>Stability report: ${escapeXml(job.name)}</h1>`, `<p>Job ${escapeXml(job.id)} is ${escapeXml(job.state)}: no stability figures were released.</p>`, withheld, `<p class="note">${escapeXml(job.footer)}</p>`]);
  }
  const snap = (x: ReleasedStability['base']) => `snapshot ${x.version} (imported ${x.importedAt.slice(0, 10)}, ${x.rows === null ? `fewer than ${s.k}` : x.rows} rows)`;
  const scoreWhat = s.score.part === 'full' ? `the score (${UNIT[s.score.unit]})` : `the platform part of the score (${UNIT[s.score.unit]}), the part the enclave can compute`;
  const figures = [{ ...s.score, name: `score (PSI)` }, ...[...s.features].sort((a, b) => b.index - a.index)];
  const lines = [
    { value: s.thresholds.watch, label: `watch ${s.thresholds.watch}` },
    { value: s.thresholds.shift, label: `shift ${s.thresholds.shift}` },
  ];
  const indexChart = barChart({ title: 'Stability index by figure', x: 'Score and platform features', y: 'PSI / CSI' }, ['index'], figures.map((f) => ({ label: f.name, values: [f.index] })), lines);
  const sharesChart = barChart(
    { title: `Score bins: share of each snapshot`, x: `Bin of the score (${UNIT[s.score.unit]})`, y: 'Share of the snapshot' },
    [`snapshot ${s.base.version} (base)`, `snapshot ${s.current.version} (current)`],
    s.score.bins.map((b) => ({ label: b.label, values: [b.base, b.current] })),
  );
  const rows = figures.map((f) => `<tr><td>${escapeXml(f.name)}</td><td>${fixed(f.index)}</td><td><span class="level-${f.level}">${f.level}</span></td><td>${f.bins.length}</td></tr>`).join('');
  const bins = s.score.bins.map((b) => `<tr><td>${escapeXml(b.label)}</td><td>${fixed(b.base, 3)}</td><td>${fixed(b.current, 3)}</td></tr>`).join('');
  return page(job.name, [
    `<h1>Stability report: ${escapeXml(job.name)}</h1>`,
    `<p>Job ${escapeXml(job.id)} monitors the ${escapeXml(s.family)} model of job <code>${escapeXml(s.job)}</code> on the whole platform population of dataset <code>${escapeXml(s.dataset)}</code>: ${escapeXml(snap(s.base))} against ${escapeXml(snap(s.current))}. PSI of ${escapeXml(scoreWhat)}: <strong>${fixed(s.score.index)} (${s.score.level})</strong>.</p>`,
    `<p class="note">Stable under ${s.thresholds.watch}, worth watching from ${s.thresholds.watch}, a shift from ${s.thresholds.shift}. Bins are the base snapshot's deciles (categories by level), merged until each holds at least k = ${s.k} rows of both snapshots; counts carry noise of a few rows and shares are rounded to three decimals; each index is computed from the shares shown.</p>`,
    withheld,
    `<h2>Charts</h2><div class="charts">${indexChart}\n${sharesChart}</div>`,
    `<h2>Figures</h2><table><thead><tr><th>figure</th><th>index</th><th>status</th><th>bins</th></tr></thead><tbody>${rows}</tbody></table>`,
    `<table><caption>Score bins</caption><thead><tr><th>bin</th><th>base share</th><th>current share</th></tr></thead><tbody>${bins}</tbody></table>`,
    `<p class="note">${escapeXml(job.footer)}</p>`,
  ]);
}

function page(name: string, parts: string[]): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Stability report: ${escapeXml(name)}</title><style>${REPORT_STYLE}</style></head><body><main>\n${parts.filter(Boolean).join('\n')}\n</main></body></html>\n`;
}
