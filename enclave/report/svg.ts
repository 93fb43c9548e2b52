/**
 * Small SVG charts drawn as strings, so a report is one self-contained file that opens offline.
 * Every chart carries a title, axis labels and an accessible name; colours are chosen to stay
 * apart for readers with red-green colour blindness.
 */
import { escapeXml } from '../../lab/text';

const PALETTE = ['#1f5fa8', '#c25400', '#2b8a3e', '#6f42c1'];

const WIDTH = 560;
const HEIGHT = 340;
const MARGIN = { left: 64, right: 16, top: 40, bottom: 52 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

const num = (x: number): string => (Math.round(x * 100) / 100).toString();

export interface Series {
  name: string;
  points: [number, number][];
  /** 'line' joins the points; 'dots' marks them alone; 'dashed' is a reference line. */
  style?: 'line' | 'dots' | 'dashed';
}

export interface Axes {
  title: string;
  x: string;
  y: string;
  xDomain: [number, number];
  yDomain: [number, number];
}

/** An id for the chart's title element, from its text (FNV-1a), so the same report is the same bytes. */
function titleId(title: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < title.length; i++) hash = Math.imul(hash ^ title.charCodeAt(i), 0x01000193) >>> 0;
  return `chart-${hash.toString(16)}`;
}

function frame(axes: Pick<Axes, 'title' | 'x' | 'y'>, body: string, xTicks: string, yTicks: string, legend: string): string {
  const id = titleId(axes.title);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-labelledby="${id}">`,
    `<title id="${id}">${escapeXml(axes.title)}</title>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" class="chart-title">${escapeXml(axes.title)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#888"/>`,
    xTicks,
    yTicks,
    body,
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 10}" text-anchor="middle" class="axis-label">${escapeXml(axes.x)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeXml(axes.y)}</text>`,
    legend,
    '</svg>',
  ].join('\n');
}

/**
 * Round tick values for a domain: a step of 1, 2 or 5 times a power of ten giving about `count`
 * intervals, and the domain widened to the ticks around it, so an axis reads 0, 0.05, 0.1, ...
 * and never 0.0783, 0.157.
 */
export function niceScale(domain: [number, number], count = 5): { domain: [number, number]; ticks: number[]; digits: number } {
  let [lo, hi] = domain;
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw * (1 - 1e-9)) ?? 10) * power;
  // Decimals the step needs; ticks are rebuilt from integers so 0.1 + 0.2 never shows as 0.30000000000000004.
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks = Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toFixed(digits)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks, digits };
}

/** A value in a bar's tooltip: three significant digits. */
const valueLabel = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString());

/** Line charts put the legend in the lower right, where ROC, KS and calibration curves leave room; bar charts in the upper left. */
function legendOf(names: string[], corner: 'lower-right' | 'upper-left' = 'lower-right'): string {
  const width = 24 + 6.2 * Math.max(0, ...names.map((n) => n.length));
  const x = corner === 'lower-right' ? MARGIN.left + PLOT_W - width - 6 : MARGIN.left + 12;
  const top = corner === 'lower-right' ? MARGIN.top + PLOT_H - 8 - names.length * 16 : MARGIN.top + 8;
  const box = names.length ? `<rect x="${num(x - 6)}" y="${top - 4}" width="${num(width + 8)}" height="${names.length * 16 + 6}" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>` : '';
  return (
    box +
    names
      .map((name, i) => {
        const y = top + 12 + i * 16;
        return `<rect x="${num(x)}" y="${y - 9}" width="12" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${num(x + 18)}" y="${y}" class="legend">${escapeXml(name)}</text>`;
      })
      .join('\n')
  );
}

function yTickMarks(scale: { ticks: number[]; digits: number }, sy: (y: number) => number): string {
  return scale.ticks
    .map((t) => `<line x1="${MARGIN.left - 5}" x2="${MARGIN.left}" y1="${num(sy(t))}" y2="${num(sy(t))}" stroke="#555"/><text x="${MARGIN.left - 8}" y="${num(sy(t) + 4)}" text-anchor="end" class="tick">${t.toFixed(scale.digits)}</text>`)
    .join('\n');
}

/** A line or scatter chart over numeric axes. */
export function lineChart(axes: Axes, series: Series[]): string {
  const x = niceScale(axes.xDomain);
  const y = niceScale(axes.yDomain);
  axes = { ...axes, xDomain: x.domain, yDomain: y.domain };
  const sx = (x: number): number => MARGIN.left + ((x - axes.xDomain[0]) / (axes.xDomain[1] - axes.xDomain[0] || 1)) * PLOT_W;
  const sy = (y: number): number => MARGIN.top + PLOT_H - ((y - axes.yDomain[0]) / (axes.yDomain[1] - axes.yDomain[0] || 1)) * PLOT_H;
  const xTicks = x.ticks
    .map((t) => `<line x1="${num(sx(t))}" x2="${num(sx(t))}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H + 5}" stroke="#555"/><text x="${num(sx(t))}" y="${MARGIN.top + PLOT_H + 18}" text-anchor="middle" class="tick">${t.toFixed(x.digits)}</text>`)
    .join('\n');
  const yTicks = yTickMarks(y, sy);
  const named = series.filter((s) => s.style !== 'dashed');
  const body = series
    .map((s) => {
      const colour = s.style === 'dashed' ? '#999' : PALETTE[named.indexOf(s) % PALETTE.length];
      const at = s.points.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`);
      if (s.style === 'dots') return at.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="4" fill="${colour}"><title>${escapeXml(s.name)}</title></circle>`).join('');
      return `<polyline fill="none" stroke="${colour}" stroke-width="2"${s.style === 'dashed' ? ' stroke-dasharray="5 4"' : ''} points="${at.join(' ')}"><title>${escapeXml(s.name)}</title></polyline>`;
    })
    .join('\n');
  return frame(axes, body, xTicks, yTicks, legendOf(named.map((s) => s.name)));
}

export interface BarGroup {
  label: string;
  /** One value per series; null draws a hatched "suppressed" marker instead of a bar. */
  values: (number | null)[];
}

/** Vertical bars, grouped by category, one colour per series. */
export function barChart(axes: Pick<Axes, 'title' | 'x' | 'y'>, seriesNames: string[], groups: BarGroup[]): string {
  const values = groups.flatMap((g) => g.values.filter((v): v is number => v !== null));
  const scale = niceScale([Math.min(0, ...values), Math.max(0, ...values)]);
  const domain = scale.domain;
  const sy = (y: number): number => MARGIN.top + PLOT_H - ((y - domain[0]) / (domain[1] - domain[0])) * PLOT_H;
  // One hatch pattern per chart: ids must be unique in the page that holds every chart.
  const hatchId = `${titleId(axes.title)}-suppressed`;
  const slot = PLOT_W / Math.max(groups.length, 1);
  const barW = (slot * 0.8) / Math.max(seriesNames.length, 1);
  // Every label gets room for its text: with many groups only every n-th is written.
  const longest = Math.max(1, ...groups.map((g) => Math.min(g.label.length, 14)));
  const labelEvery = Math.max(1, Math.ceil((groups.length * (longest * 6.5 + 8)) / PLOT_W));
  const xTicks = groups
    .map((g, i) =>
      i % labelEvery === 0
        ? `<text x="${num(MARGIN.left + slot * (i + 0.5))}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle" class="tick">${escapeXml(g.label.length > 14 ? `${g.label.slice(0, 13)}…` : g.label)}</text>`
        : '',
    )
    .join('\n');
  const yTicks = yTickMarks(scale, sy);
  const body = groups
    .flatMap((g, i) =>
      g.values.map((v, s) => {
        const x = MARGIN.left + slot * i + slot * 0.1 + barW * s;
        const name = `${g.label}, ${seriesNames[s]}: ${v === null ? 'suppressed (fewer than k rows)' : valueLabel(v)}`;
        if (v === null) return `<rect x="${num(x)}" y="${MARGIN.top + PLOT_H - 12}" width="${num(barW)}" height="12" fill="url(#${hatchId})"><title>${escapeXml(name)}</title></rect>`;
        const top = sy(Math.max(v, 0));
        const height = Math.abs(sy(v) - sy(0));
        return `<rect x="${num(x)}" y="${num(top)}" width="${num(barW)}" height="${num(Math.max(height, 0.5))}" fill="${PALETTE[s % PALETTE.length]}"><title>${escapeXml(name)}</title></rect>`;
      }),
    )
    .join('\n');
  const hatch = `<defs><pattern id="${hatchId}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#777" stroke-width="2"/></pattern></defs>`;
  // Bars grow from zero, up or down: the zero line is drawn over them so a reader sees which way each goes.
  const zero = `<line class="zero-line" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${num(sy(0))}" y2="${num(sy(0))}" stroke="#222" stroke-width="1.5"/>`;
  return frame(axes, hatch + body + zero, xTicks, yTicks, seriesNames.length > 1 ? legendOf(seriesNames, 'upper-left') : '');
}
