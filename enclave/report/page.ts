/**
 * The model report: one self-contained HTML page (inline styles, inline SVG, no scripts, no network)
 * drawn from a job's released results only. Whatever the release check withheld is absent from the
 * input, so it cannot be drawn; the page lists the withheld parts with their reasons instead.
 */
import { JobSpec } from '../../lab/spec/job-spec';
import { escapeXml } from '../../lab/text';
import { BarGroup, barChart, lineChart } from './svg';
import type { CurvePoint } from '../../lab/api/curves';
import type { JobResults } from '../../lab/api/results';

export interface ReportJob {
  id: string;
  name: string;
  spec: JobSpec;
  results: JobResults;
}

interface Metrics {
  auc: number;
  ks: number;
  gini: number;
}

interface ScorecardBin {
  label: string;
  count: number | null;
  woe: number;
  points: number;
}

interface ScorecardFeature {
  name: string;
  iv: number;
  inModel: boolean;
  bins: ScorecardBin[];
}

const STYLE = `
body { font: 15px/1.5 system-ui, "DejaVu Sans", sans-serif; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 1200px; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5rem 0; } th, td { border: 1px solid #bbb; padding: 0.25rem 0.6rem; text-align: right; } th:first-child, td:first-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } .chart { max-width: 100%; height: auto; border: 1px solid #ddd; }
.chart-title { font-size: 15px; font-weight: 600; } .axis-label { font-size: 13px; } .tick, .legend { font-size: 11px; }
.withheld { background: #fff4e5; border-left: 4px solid #c25400; padding: 0.5rem 1rem; } .note { color: #444; } figure { margin: 0; }
`;

const fixed = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const count = (x: number | null): string => (x === null ? 'fewer than k' : String(x));

function metricsOf(job: ReportJob): Metrics | undefined {
  return job.results.released.metrics?.test as Metrics | undefined;
}

function summary(job: ReportJob): string {
  const r = job.results;
  const m = r.released.metrics;
  const rows = (['train', 'test'] as const)
    .map((part) => `<tr><td>${part}</td><td>${m ? m.rows[part] : '—'}</td><td>${fixed(m?.[part]?.auc)}</td><td>${fixed(m?.[part]?.ks)}</td><td>${fixed(m?.[part]?.gini)}</td></tr>`)
    .join('');
  const spec = job.spec;
  const privacy = spec.privacy ? `, differential privacy ε = ${spec.privacy.epsilon}` : '';
  return `<p>Job <code>${escapeXml(job.id)}</code>: ${escapeXml(spec.model.family)} model of <code>${escapeXml(spec.label ?? '')}</code>, ${escapeXml(spec.mode ?? 'plaintext')}${privacy}; state ${escapeXml(r.state)}; every released figure stands for at least k = ${r.k} rows.</p>
<table><caption>Released metrics</caption><thead><tr><th>rows</th><th>count</th><th>AUC</th><th>KS</th><th>Gini</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function withheld(job: ReportJob): string {
  if (!job.results.withheld.length) return '';
  const items = job.results.withheld.map((w) => `<li><strong>${escapeXml(w.part)}</strong>: ${escapeXml(w.reason)}</li>`).join('');
  return `<section class="withheld" aria-label="withheld outputs"><h2>Withheld by the release check</h2><ul>${items}</ul><p class="note">These parts are not drawn anywhere in this report.</p></section>`;
}

const rocSeries = (name: string, roc: CurvePoint[]): { name: string; points: [number, number][] } => ({ name, points: roc.map((p) => [p.fpr, p.tpr]) });

function rocChart(jobs: ReportJob[]): string {
  const series = jobs.filter((j) => j.results.released.curves).map((j) => rocSeries(`${j.name} (AUC ${fixed(metricsOf(j)?.auc, 3)})`, j.results.released.curves!.roc));
  if (!series.length) return '';
  return lineChart({ title: 'ROC curve, test rows', x: 'False positive rate', y: 'True positive rate', xDomain: [0, 1], yDomain: [0, 1] }, [
    ...series,
    { name: 'chance', points: [[0, 0], [1, 1]], style: 'dashed' },
  ]);
}

function ksChart(job: ReportJob): string {
  const roc = job.results.released.curves?.roc;
  if (!roc) return '';
  const total = roc.reduce((s, p) => s + p.rows, 0);
  let seen = 0;
  const share = roc.map((p) => (seen += p.rows) / total);
  const gap = roc.reduce((best, p, i) => (p.tpr - p.fpr > roc[best].tpr - roc[best].fpr ? i : best), 0);
  return lineChart({ title: `KS: cumulative share by score rank (max gap ${fixed(roc[gap].tpr - roc[gap].fpr, 3)})`, x: 'Share of test rows, riskiest first', y: 'Cumulative share of class', xDomain: [0, 1], yDomain: [0, 1] }, [
    { name: 'defaults (bad)', points: roc.map((p, i) => [share[i], p.tpr]) },
    { name: 'non-defaults (good)', points: roc.map((p, i) => [share[i], p.fpr]) },
    { name: 'KS gap', points: [[share[gap], roc[gap].fpr], [share[gap], roc[gap].tpr]], style: 'dashed' },
  ]);
}

function distributionChart(job: ReportJob): string {
  const bands = job.results.released.curves?.distribution;
  if (!bands?.length) return '';
  const totalGood = bands.reduce((s, b) => s + (b.good ?? 0), 0) || 1;
  const totalBad = bands.reduce((s, b) => s + (b.bad ?? 0), 0) || 1;
  const groups: BarGroup[] = bands.map((b) => ({ label: `≤ ${b.to}`, values: [b.good === null ? null : b.good / totalGood, b.bad === null ? null : b.bad / totalBad] }));
  return barChart({ title: 'Score distribution by class, test rows', x: 'Predicted probability of default (upper end of band)', y: 'Share of the class in the band' }, ['non-defaults (good)', 'defaults (bad)'], groups);
}

function calibrationChart(job: ReportJob): string {
  const bins = job.results.released.curves?.calibration;
  if (!bins?.length) return '';
  const shown = bins.filter((b) => b.observed !== null);
  const top = Math.max(0.05, ...bins.map((b) => b.predicted), ...shown.map((b) => b.observed as number));
  const chart = lineChart({ title: 'Calibration by decile, test rows', x: 'Mean predicted probability of default', y: 'Observed default rate', xDomain: [0, top], yDomain: [0, top] }, [
    { name: 'deciles', points: shown.map((b) => [b.predicted, b.observed as number]), style: 'dots' },
    { name: 'perfect calibration', points: [[0, 0], [top, top]], style: 'dashed' },
  ]);
  const notes = [
    bins.length < 10 ? `Adjacent deciles are pooled until each point has at least k defaults and k non-defaults: ${bins.length} points.` : '',
    shown.length < bins.length ? `${bins.length - shown.length} pooled bin(s) not drawn: a class in them has fewer than k rows.` : '',
  ].filter(Boolean);
  return notes.length ? `<figure>${chart}<figcaption class="note">${notes.join(' ')}</figcaption></figure>` : chart;
}

function importanceChart(job: ReportJob): string {
  const description = job.results.released.parameters?.description;
  if (!description) return '';
  if (Array.isArray(description.features)) {
    const features = (description.features as ScorecardFeature[]).slice().sort((a, b) => b.iv - a.iv);
    return barChart({ title: 'Information value by feature', x: 'Feature', y: 'Information value (IV)' }, ['IV'], features.map((f) => ({ label: f.name, values: [f.iv] })));
  }
  if (Array.isArray(description.coefficients)) {
    const top = (description.coefficients as { name: string; weight: number }[]).slice().sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, 20);
    return barChart({ title: 'Standardized coefficients (largest 20 by size)', x: 'Feature', y: 'Coefficient on the log-odds of default' }, ['coefficient'], top.map((c) => ({ label: c.name, values: [c.weight] })));
  }
  return '';
}

function scorecardSection(job: ReportJob): string {
  const description = job.results.released.parameters?.description;
  if (!description || !Array.isArray(description.features)) return '';
  const features = (description.features as ScorecardFeature[]).filter((f) => f.inModel);
  const parts = features.map((f) => {
    const chart = barChart({ title: `${f.name}: points by bin`, x: 'Bin', y: 'Points (higher is safer)' }, ['points'], f.bins.map((b) => ({ label: b.label, values: [b.points] })));
    const rows = f.bins.map((b) => `<tr><td>${escapeXml(b.label)}</td><td>${count(b.count)}</td><td>${fixed(b.woe)}</td><td>${fixed(b.points, 1)}</td></tr>`).join('');
    return `<div>${chart}<table><caption>${escapeXml(f.name)} (IV ${fixed(f.iv, 3)})</caption><thead><tr><th>bin</th><th>rows</th><th>WOE</th><th>points</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  });
  return `<h2>Scorecard bins</h2><p>Base points ${fixed(description.basePoints as number, 1)}; a row's score is the base points plus the points of its bin in each feature.</p><div class="charts">${parts.join('')}</div>`;
}

function comparisonSection(job: ReportJob, other: ReportJob): string {
  const a = metricsOf(job);
  const b = metricsOf(other);
  const row = (name: keyof Metrics): string => `<tr><td>${name.toUpperCase()}</td><td>${fixed(a?.[name])}</td><td>${fixed(b?.[name])}</td><td>${a && b ? fixed(a[name] - b[name]) : '—'}</td></tr>`;
  return `<h2>Joint versus bank-only</h2><p>Test metrics of this job against job <code>${escapeXml(other.id)}</code> (${escapeXml(other.name)}), both as released.</p>
<table><thead><tr><th>metric</th><th>${escapeXml(job.name)}</th><th>${escapeXml(other.name)}</th><th>difference</th></tr></thead><tbody>${row('auc')}${row('ks')}${row('gini')}</tbody></table>`;
}

export function renderReport(job: ReportJob, comparison?: ReportJob): string {
  const charts = [rocChart(comparison ? [job, comparison] : [job]), ksChart(job), distributionChart(job), calibrationChart(job), importanceChart(job)].filter(Boolean);
  const body = [
    `<h1>Model report: ${escapeXml(job.name)}</h1>`,
    summary(job),
    withheld(job),
    charts.length ? `<h2>Charts</h2><div class="charts">${charts.join('\n')}</div>` : '<p>No curves or parameters were released for this job.</p>',
    scorecardSection(job),
    comparison ? comparisonSection(job, comparison) : '',
    `<p class="note">Drawn by jointlab from released aggregates only. Job backend ${escapeXml(job.results.backend)}, trained in ${job.results.seconds.toFixed(2)} s.</p>`,
  ].join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Model report: ${escapeXml(job.name)}</title><style>${STYLE}</style></head><body><main>\n${body}\n</main></body></html>\n`;
}
