/**
 * Small SVG charts drawn as strings, so a report is one self-contained file that opens offline.
 * Every chart carries a title, axis labels and an accessible name; colours are chosen to stay
 * apart for readers with red-green colour blindness.
 */
import { escapeXml } from '../text';

const PALETTE = ['#1f5fa8', '#c25400', '#2b8a3e', '#6f42c1'];

/** Where a chart's plot area sits: every chart has the same plot height; bar charts may grow wider and taller for their labels. */
interface Layout {
  width: number;
  height: number;
  plotW: number;
  plotH: number;
  left: number;
  top: number;
}

const MARGIN = { left: 64, right: 16, top: 40, bottom: 52 };
const WIDTH = 560;
const PLOT_H = 340 - MARGIN.top - MARGIN.bottom;

function layout(plotW = WIDTH - MARGIN.left - MARGIN.right, bottom = MARGIN.bottom, top = MARGIN.top): Layout {
  return { width: MARGIN.left + plotW + MARGIN.right, height: top + PLOT_H + bottom, plotW, plotH: PLOT_H, left: MARGIN.left, top };
}

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

function frame(at: Layout, axes: Pick<Axes, 'title' | 'x' | 'y'>, body: string, xTicks: string, yTicks: string, legend: string): string {
  const id = titleId(axes.title);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${num(at.width)} ${num(at.height)}" width="${num(at.width)}" height="${num(at.height)}" role="img" aria-labelledby="${id}">`,
    `<title id="${id}">${escapeXml(axes.title)}</title>`,
    `<text x="${num(at.width / 2)}" y="22" text-anchor="middle" class="chart-title">${escapeXml(axes.title)}</text>`,
    `<rect x="${at.left}" y="${at.top}" width="${num(at.plotW)}" height="${at.plotH}" fill="none" stroke="#888"/>`,
    xTicks,
    yTicks,
    body,
    `<text x="${num(at.left + at.plotW / 2)}" y="${num(at.height - 10)}" text-anchor="middle" class="axis-label">${escapeXml(axes.x)}</text>`,
    `<text transform="translate(16 ${at.top + at.plotH / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeXml(axes.y)}</text>`,
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

/** Line charts put the legend in the lower right, where ROC, KS and calibration curves leave room. */
function legendOf(at: Layout, names: string[]): string {
  const width = 24 + 6.2 * Math.max(0, ...names.map((n) => n.length));
  const x = at.left + at.plotW - width - 6;
  const top = at.top + at.plotH - 8 - names.length * 16;
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

/** A legend in one row between the title and the plot (the row's items shrink their gaps to fit). */
function legendRow(at: Layout, names: string[], fills: string[]): string {
  const widths = names.map((n) => 18 + CHAR_W * n.length);
  const gap = Math.max(8, Math.min(24, (at.plotW - widths.reduce((a, b) => a + b, 0)) / Math.max(names.length - 1, 1)));
  let x = at.left;
  const y = at.top - 8;
  return names
    .map((name, i) => {
      const item = `<rect x="${num(x)}" y="${y - 9}" width="12" height="10" fill="${fills[i]}" stroke="#777" stroke-width="0.5"/><text x="${num(x + 18)}" y="${y}" class="legend">${escapeXml(name)}</text>`;
      x += widths[i] + gap;
      return item;
    })
    .join('\n');
}

function yTickMarks(at: Layout, scale: { ticks: number[]; digits: number }, sy: (y: number) => number): string {
  return scale.ticks
    .map((t) => `<line x1="${at.left - 5}" x2="${at.left}" y1="${num(sy(t))}" y2="${num(sy(t))}" stroke="#555"/><text x="${at.left - 8}" y="${num(sy(t) + 4)}" text-anchor="end" class="tick">${t.toFixed(scale.digits)}</text>`)
    .join('\n');
}

/** A line or scatter chart over numeric axes. */
export function lineChart(axes: Axes, series: Series[]): string {
  const x = niceScale(axes.xDomain);
  const y = niceScale(axes.yDomain);
  axes = { ...axes, xDomain: x.domain, yDomain: y.domain };
  const at = layout();
  const bottom = at.top + at.plotH;
  const sx = (x: number): number => at.left + ((x - axes.xDomain[0]) / (axes.xDomain[1] - axes.xDomain[0] || 1)) * at.plotW;
  const sy = (y: number): number => bottom - ((y - axes.yDomain[0]) / (axes.yDomain[1] - axes.yDomain[0] || 1)) * at.plotH;
  const xTicks = x.ticks
    .map((t) => `<line x1="${num(sx(t))}" x2="${num(sx(t))}" y1="${bottom}" y2="${bottom + 5}" stroke="#555"/><text x="${num(sx(t))}" y="${bottom + 18}" text-anchor="middle" class="tick">${t.toFixed(x.digits)}</text>`)
    .join('\n');
  const yTicks = yTickMarks(at, y, sy);
  const named = series.filter((s) => s.style !== 'dashed');
  const body = series
    .map((s) => {
      const colour = s.style === 'dashed' ? '#999' : PALETTE[named.indexOf(s) % PALETTE.length];
      const coords = s.points.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`);
      if (s.style === 'dots') return coords.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="4" fill="${colour}"><title>${escapeXml(s.name)}</title></circle>`).join('');
      return `<polyline fill="none" stroke="${colour}" stroke-width="2"${s.style === 'dashed' ? ' stroke-dasharray="5 4"' : ''} points="${coords.join(' ')}"><title>${escapeXml(s.name)}</title></polyline>`;
    })
    .join('\n');
  return frame(at, axes, body, xTicks, yTicks, legendOf(at, named.map((s) => s.name)));
}

export interface BarGroup {
  label: string;
  /** One value per series; null draws a hatched "suppressed" marker instead of a bar. */
  values: (number | null)[];
}

/** Longest label written out in full; a longer one is cut with an ellipsis and keeps its full text as a tooltip. */
const LABEL_CHARS = 24;
/** Width of one character of the 11 px tick font, and the least room a rotated label needs across. */
const CHAR_W = 6.5;
const ROTATED_SLOT = 14;

/**
 * The category axis: every label is written. Labels that fit side by side stay level; otherwise they
 * turn to read upwards, and the chart grows wider (so each has a 14 px slot) and taller (for the
 * longest label) instead of dropping any.
 */
function categoryAxis(labels: string[], top: number): { at: Layout; xTicks: string } {
  const shown = labels.map((l) => (l.length > LABEL_CHARS ? `${l.slice(0, LABEL_CHARS - 1)}…` : l));
  const longest = Math.max(1, ...shown.map((l) => l.length));
  const base = layout(undefined, undefined, top);
  const level = labels.length * (longest * CHAR_W + 8) <= base.plotW;
  const at = level ? base : layout(Math.max(base.plotW, labels.length * ROTATED_SLOT), MARGIN.bottom - 16 + longest * CHAR_W, top);
  const slot = at.plotW / Math.max(labels.length, 1);
  const bottom = at.top + at.plotH;
  const xTicks = labels
    .map((label, i) => {
      const x = num(at.left + slot * (i + 0.5));
      const full = shown[i] === label ? '' : `<title>${escapeXml(label)}</title>`;
      return level
        ? `<text x="${x}" y="${bottom + 16}" text-anchor="middle" class="tick">${escapeXml(shown[i])}${full}</text>`
        : `<text transform="translate(${x} ${bottom + 8}) rotate(-90)" dy="4" text-anchor="end" class="tick">${escapeXml(shown[i])}${full}</text>`;
    })
    .join('\n');
  return { at, xTicks };
}

const SUPPRESSED = 'suppressed: fewer than k rows';

/** A horizontal reference line across a bar chart (a threshold), labelled at its right end. */
export interface ReferenceLine {
  value: number;
  label: string;
}

/** Vertical bars, grouped by category, one colour per series; `lines` adds dashed reference lines, which the axis always reaches. */
export function barChart(axes: Pick<Axes, 'title' | 'x' | 'y'>, seriesNames: string[], groups: BarGroup[], lines: ReferenceLine[] = []): string {
  const values = groups.flatMap((g) => g.values.filter((v): v is number => v !== null));
  const scale = niceScale([Math.min(0, ...values, ...lines.map((l) => l.value)), Math.max(0, ...values, ...lines.map((l) => l.value))]);
  const domain = scale.domain;
  // A legend above the plot, in the room it needs, where bars reaching the top cannot run under it.
  const suppressed = groups.some((g) => g.values.includes(null));
  const entries = [...(seriesNames.length > 1 ? seriesNames : []), ...(suppressed ? [SUPPRESSED] : [])];
  const { at, xTicks } = categoryAxis(groups.map((g) => g.label), MARGIN.top + (entries.length ? 20 : 0));
  const bottom = at.top + at.plotH;
  const sy = (y: number): number => bottom - ((y - domain[0]) / (domain[1] - domain[0])) * at.plotH;
  // One hatch pattern per chart: ids must be unique in the page that holds every chart.
  const hatchId = `${titleId(axes.title)}-suppressed`;
  const slot = at.plotW / Math.max(groups.length, 1);
  const barW = (slot * 0.8) / Math.max(seriesNames.length, 1);
  const yTicks = yTickMarks(at, scale, sy);
  const body = groups
    .flatMap((g, i) =>
      g.values.map((v, s) => {
        const x = at.left + slot * i + slot * 0.1 + barW * s;
        const name = `${g.label}, ${seriesNames[s]}: ${v === null ? SUPPRESSED : valueLabel(v)}`;
        if (v === null) return `<rect x="${num(x)}" y="${num(sy(0) - 12)}" width="${num(barW)}" height="12" fill="url(#${hatchId})"><title>${escapeXml(name)}</title></rect>`;
        const top = sy(Math.max(v, 0));
        const height = Math.abs(sy(v) - sy(0));
        return `<rect x="${num(x)}" y="${num(top)}" width="${num(barW)}" height="${num(Math.max(height, 0.5))}" fill="${PALETTE[s % PALETTE.length]}"><title>${escapeXml(name)}</title></rect>`;
      }),
    )
    .join('\n');
  const hatch = `<defs><pattern id="${hatchId}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#777" stroke-width="2"/></pattern></defs>`;
  // Bars grow from zero, up or down: the zero line is drawn over them so a reader sees which way each goes.
  const zero = `<line class="zero-line" x1="${at.left}" x2="${num(at.left + at.plotW)}" y1="${num(sy(0))}" y2="${num(sy(0))}" stroke="#222" stroke-width="1.5"/>`;
  // Labels sit above their lines, lowest line first; a label that would overlap the one below moves up (close thresholds on a tall axis).
  let labelY = Infinity;
  const references = [...lines]
    .sort((a, b) => a.value - b.value)
    .map((l) => {
      labelY = Math.min(sy(l.value) - 4, labelY - 12);
      return `<line class="reference-line" x1="${at.left}" x2="${num(at.left + at.plotW)}" y1="${num(sy(l.value))}" y2="${num(sy(l.value))}" stroke="#b3261e" stroke-width="1.5" stroke-dasharray="6 4"><title>${escapeXml(l.label)}</title></line><text x="${num(at.left + at.plotW - 4)}" y="${num(labelY)}" text-anchor="end" class="legend" fill="#b3261e">${escapeXml(l.label)}</text>`;
    })
    .join('\n');
  // A hatched marker needs explaining wherever one is drawn, even on a one-series chart.
  const fills = [...(seriesNames.length > 1 ? seriesNames.map((_, i) => PALETTE[i % PALETTE.length]) : []), ...(suppressed ? [`url(#${hatchId})`] : [])];
  return frame(at, axes, hatch + body + zero + references, xTicks, yTicks, entries.length ? legendRow(at, entries, fills) : '');
}
