/**
 * The model report: one self-contained HTML page (inline styles, inline SVG, no scripts, no network)
 * drawn from figures handed in. The enclave hands in a job's released results only: whatever the
 * release check withheld is absent, so it cannot be drawn, and the page lists it with its reason.
 * `jointlab report --model` hands in the same figures computed locally.
 */
import { BinaryMetrics } from '../../models/metrics';
import { CurvePoint, Curves } from '../../models/curves';
import { escapeXml } from '../text';
import { overfitCheck } from './overfitting';
import { BarGroup, barChart, lineChart, niceScale } from './svg';
import type { ReleasedSelection } from '../api/selection';
import { selectionSection } from './selection-section';

/** Everything a report draws; nothing else about the model or its rows reaches the page. */
export interface ReportInput {
  /** A job id, or the local model file. */
  id: string;
  name: string;
  /** One plain sentence: what was modelled and where the figures come from. */
  intro: string;
  metricsCaption: string;
  /** How the rows the curves are drawn on are named in titles: "test rows", or the data file. */
  rowsName: string;
  /** How the metrics table names those rows: "test", or "data". */
  testPart: string;
  metrics?: { train?: BinaryMetrics; test?: BinaryMetrics; rows: { train?: number; test?: number } };
  curves?: Curves;
  description?: Record<string, unknown>;
  withheld: { part: string; reason: string }[];
  /** Fewest rows a drawn figure stands for (1 for a local model). */
  k: number;
  /** Why there is no train AUC to judge overfitting by, when there is none (DP_NO_TRAIN for a DP job). */
  noTrainMetrics?: string;
  /** Feature selection's path, when the model was fitted after one. */
  selection?: ReleasedSelection;
  footer: string;
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
  noEvidence?: true;
}

interface ScorecardFeature {
  name: string;
  iv: number;
  inModel: boolean;
  bins: ScorecardBin[];
}

/** The look every HTML report of the enclave shares. */
export const REPORT_STYLE = `
body { font: 15px/1.5 system-ui, "DejaVu Sans", sans-serif; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 1200px; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5rem 0; } th, td { border: 1px solid #bbb; padding: 0.25rem 0.6rem; text-align: right; } th:first-child, td:first-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } .chart { max-width: 100%; height: auto; border: 1px solid #ddd; }
.chart-title { font-size: 15px; font-weight: 600; } .axis-label { font-size: 13px; } .tick, .legend { font-size: 11px; }
.overfit { background: #fdecea; border-left: 4px solid #b3261e; padding: 0.5rem 1rem; } .withheld { background: #fff4e5; border-left: 4px solid #c25400; padding: 0.5rem 1rem; } .note { color: #444; } figure { margin: 0; }
`;

/** A figure to `digits` decimals; one that rounds to zero is written 0.0, never -0.0. */
export function fixed(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const text = x.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}
const count = (x: number | null): string => (x === null ? 'fewer than k' : String(x));

function metricsOf(job: ReportInput): Metrics | undefined {
  return job.metrics?.test;
}

function summary(job: ReportInput): string {
  const m = job.metrics;
  const parts: ['train' | 'test', string][] = [['train', 'train'], ['test', job.testPart]];
  const rows = parts
    .filter(([part]) => !m || m.rows[part] !== undefined)
    .map(([part, name]) => `<tr><td>${escapeXml(name)}</td><td>${m?.rows[part] ?? '—'}</td><td>${fixed(m?.[part]?.auc)}</td><td>${fixed(m?.[part]?.ks)}</td><td>${fixed(m?.[part]?.gini)}</td></tr>`)
    .join('');
  return `<p>${escapeXml(job.intro)}</p>
<table><caption>${escapeXml(job.metricsCaption)}</caption><thead><tr><th>rows</th><th>count</th><th>AUC</th><th>KS</th><th>Gini</th></tr></thead><tbody>${rows}</tbody></table>
${overfitNote(job)}
${treesNote(job)}`;
}

function overfitNote(job: ReportInput): string {
  if (!job.metrics) return '';
  const check = overfitCheck(job.metrics, job.noTrainMetrics);
  return check.flagged ? `<p class="overfit" role="alert"><strong>Warning.</strong> ${escapeXml(check.message)}</p>` : `<p class="note">${escapeXml(check.message)}</p>`;
}

function withheld(job: ReportInput): string {
  if (!job.withheld.length) return '';
  const items = job.withheld.map((w) => `<li><strong>${escapeXml(w.part)}</strong>: ${escapeXml(w.reason)}</li>`).join('');
  return `<section class="withheld" aria-label="withheld outputs"><h2>Withheld by the release check</h2><ul>${items}</ul><p class="note">These parts are not drawn anywhere in this report.</p></section>`;
}

const rocSeries = (name: string, roc: CurvePoint[]): { name: string; points: [number, number][] } => ({ name, points: roc.map((p) => [p.fpr, p.tpr]) });

function rocChart(jobs: ReportInput[]): string {
  const series = jobs.filter((j) => j.curves).map((j) => rocSeries(`${j.name} (AUC ${fixed(metricsOf(j)?.auc, 3)})`, j.curves!.roc));
  if (!series.length) return '';
  return lineChart({ title: `ROC curve, ${jobs[0].rowsName}`, x: 'False positive rate', y: 'True positive rate', xDomain: [0, 1], yDomain: [0, 1] }, [
    ...series,
    { name: 'chance', points: [[0, 0], [1, 1]], style: 'dashed' },
  ]);
}

function ksChart(job: ReportInput): string {
  const roc = job.curves?.roc;
  if (!roc) return '';
  const total = roc.reduce((s, p) => s + p.rows, 0);
  let seen = 0;
  const share = roc.map((p) => (seen += p.rows) / total);
  const gap = roc.reduce((best, p, i) => (p.tpr - p.fpr > roc[best].tpr - roc[best].fpr ? i : best), 0);
  return lineChart({ title: `KS: cumulative share by score rank (max gap ${fixed(roc[gap].tpr - roc[gap].fpr, 3)})`, x: `Share of ${job.rowsName}, riskiest first`, y: 'Cumulative share of class', xDomain: [0, 1], yDomain: [0, 1] }, [
    { name: 'defaults (bad)', points: roc.map((p, i) => [share[i], p.tpr]) },
    { name: 'non-defaults (good)', points: roc.map((p, i) => [share[i], p.fpr]) },
    { name: 'KS gap', points: [[share[gap], roc[gap].fpr], [share[gap], roc[gap].tpr]], style: 'dashed' },
  ]);
}

function distributionChart(job: ReportInput): string {
  const bands = job.curves?.distribution;
  if (!bands?.length) return '';
  const totalGood = bands.reduce((s, b) => s + (b.good ?? 0), 0) || 1;
  const totalBad = bands.reduce((s, b) => s + (b.bad ?? 0), 0) || 1;
  const groups: BarGroup[] = bands.map((b) => ({ label: `≤ ${b.to}`, values: [b.good === null ? null : b.good / totalGood, b.bad === null ? null : b.bad / totalBad] }));
  return barChart({ title: `Score distribution by class, ${job.rowsName}`, x: 'Predicted probability of default (upper end of band)', y: 'Share of the class in the band' }, ['non-defaults (good)', 'defaults (bad)'], groups);
}

function calibrationChart(job: ReportInput): string {
  const bins = job.curves?.calibration;
  if (!bins?.length) return '';
  const shown = bins.filter((b) => b.observed !== null);
  // The diagonal runs to the axis's round end, which the chart widens to.
  const top = niceScale([0, Math.max(0.05, ...bins.map((b) => b.predicted), ...shown.map((b) => b.observed as number))]).domain[1];
  const chart = lineChart({ title: `Calibration by decile, ${job.rowsName}`, x: 'Mean predicted probability of default', y: 'Observed default rate', xDomain: [0, top], yDomain: [0, top] }, [
    { name: 'deciles', points: shown.map((b) => [b.predicted, b.observed as number]), style: 'dots' },
    { name: 'perfect calibration', points: [[0, 0], [top, top]], style: 'dashed' },
  ]);
  const notes = [
    bins.length < 10 ? `Adjacent deciles are pooled until each point has at least ${job.k} default(s) and ${job.k} non-default(s): ${bins.length} points.` : '',
    shown.length < bins.length ? `${bins.length - shown.length} pooled bin(s) not drawn: a class in them has fewer than k rows.` : '',
  ].filter(Boolean);
  return notes.length ? `<figure>${chart}<figcaption class="note">${notes.join(' ')}</figcaption></figure>` : chart;
}

function importanceChart(job: ReportInput): string {
  const description = job.description;
  if (!description) return '';
  if (Array.isArray(description.features)) {
    const features = (description.features as ScorecardFeature[]).slice().sort((a, b) => b.iv - a.iv);
    return barChart({ title: 'Information value by feature', x: 'Feature', y: 'Information value (IV)' }, ['IV'], features.map((f) => ({ label: f.name, values: [f.iv] })));
  }
  if (Array.isArray(description.coefficients)) {
    const top = (description.coefficients as { name: string; weight: number }[]).slice().sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, 20);
    return barChart({ title: 'Standardized coefficients (largest 20 by size)', x: 'Feature', y: 'Coefficient on the log-odds of default' }, ['coefficient'], top.map((c) => ({ label: c.name, values: [c.weight] })));
  }
  if (Array.isArray(description.importance)) {
    const top = (description.importance as { name: string; share: number }[]).slice(0, 20);
    return barChart({ title: 'Feature importance (largest 20 by share of split gain)', x: 'Feature', y: 'Share of the trees\' split gain' }, ['share'], top.map((f) => ({ label: f.name, values: [f.share] })));
  }
  return '';
}

/** Boosted trees: how many, how large, how fast they learned, in one line. */
function treesNote(job: ReportInput): string {
  const d = job.description;
  if (!d || typeof d.trees !== 'number') return '';
  const leaves = d.leaves as { total: number; mostInOneTree: number };
  return `<p>Gradient-boosted trees: ${d.trees} trees of depth at most ${String(d.depth)} (learning rate ${String(d.learningRate)}), ${leaves.total} leaves in all, at most ${leaves.mostInOneTree} in one tree${job.k > 1 ? `; every leaf and split side stands for at least k = ${job.k} rows` : ''}.</p>`;
}

/**
 * Every scorecard has a missing bin, empty when the training rows had no gap in the feature: it has
 * no rows, WOE 0 and no "no evidence" mark (a bin of 1 to k-1 rows has one), so it says nothing and
 * is left out. Its released count is null rather than 0, since every count under k is.
 */
function isEmptyMissingBin(bin: ScorecardBin): boolean {
  return bin.label === 'missing' && !bin.noEvidence && bin.woe === 0 && (bin.count === 0 || bin.count === null);
}

function scorecardSection(job: ReportInput): string {
  const description = job.description;
  if (!description || !Array.isArray(description.features)) return '';
  const features = (description.features as ScorecardFeature[]).filter((f) => f.inModel).map((f) => ({ ...f, bins: f.bins.filter((b) => !isEmptyMissingBin(b)) }));
  const parts = features.map((f) => {
    const chart = barChart({ title: `${f.name}: points by bin`, x: 'Bin', y: 'Points (higher is safer)' }, ['points'], f.bins.map((b) => ({ label: b.label, values: [b.points] })));
    const rows = f.bins.map((b) => `<tr><td>${escapeXml(b.label)}</td><td>${count(b.count)}</td><td>${fixed(b.woe)}</td><td>${fixed(b.points, 1)}</td></tr>`).join('');
    return `<div>${chart}<table><caption>${escapeXml(f.name)} (IV ${fixed(f.iv, 3)})</caption><thead><tr><th>bin</th><th>rows</th><th>WOE</th><th>points</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  });
  return `<h2>Scorecard bins</h2><p>Base points ${fixed(description.basePoints as number, 1)}; a row's score is the base points plus the points of its bin in each feature.</p><div class="charts">${parts.join('')}</div>`;
}

function comparisonSection(job: ReportInput, other: ReportInput): string {
  const a = metricsOf(job);
  const b = metricsOf(other);
  const row = (name: keyof Metrics): string => `<tr><td>${name.toUpperCase()}</td><td>${fixed(a?.[name])}</td><td>${fixed(b?.[name])}</td><td>${a && b ? fixed(a[name] - b[name]) : '—'}</td></tr>`;
  return `<h2>Joint versus bank-only</h2><p>Test metrics of this job against job <code>${escapeXml(other.id)}</code> (${escapeXml(other.name)}), both as released.</p>
<table><thead><tr><th>metric</th><th>${escapeXml(job.name)}</th><th>${escapeXml(other.name)}</th><th>difference</th></tr></thead><tbody>${row('auc')}${row('ks')}${row('gini')}</tbody></table>`;
}

export function renderReport(job: ReportInput, comparison?: ReportInput): string {
  const charts = [rocChart(comparison ? [job, comparison] : [job]), ksChart(job), distributionChart(job), calibrationChart(job), importanceChart(job)].filter(Boolean);
  const body = [
    `<h1>Model report: ${escapeXml(job.name)}</h1>`,
    summary(job),
    withheld(job),
    charts.length ? `<h2>Charts</h2><div class="charts">${charts.join('\n')}</div>` : '<p>No curves or parameters were released for this job.</p>',
    selectionSection(job.selection),
    scorecardSection(job),
    comparison ? comparisonSection(job, comparison) : '',
    `<p class="note">${escapeXml(job.footer)}</p>`,
  ].join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Model report: ${escapeXml(job.name)}</title><style>${REPORT_STYLE}</style></head><body><main>\n${body}\n</main></body></html>\n`;
}
