/** A monitor job's released stability figures on its job page: the score's PSI and each feature's CSI with their status, and the score's bins. */
import { fixed, h, ident, table } from '../dom.js';
import { Results } from '../types.js';

const level = (name: string, value: string): HTMLElement => h('span', { class: `level level-${value}`, 'data-level': name }, value);

export function stabilitySection(r: Results): HTMLElement | null {
  const s = r.released.stability;
  if (!s) return null;
  const snap = (x: typeof s.base) => `snapshot ${x.version} (imported ${x.importedAt.slice(0, 10)}, ${x.rows === null ? `fewer than ${s.k}` : x.rows} rows)`;
  const what = s.score.part === 'full' ? 'the score' : `the platform part of the score (${s.score.unit === 'points' ? 'points' : 'log-odds'})`;
  const figures = [{ ...s.score, name: 'score (PSI)' }, ...[...s.features].sort((a, b) => b.index - a.index)];
  return h(
    'section',
    { 'aria-label': 'stability', class: 'stability' },
    h('p', {}, `Monitor of the ${s.family} model of job `, ident(s.job, 'code'), ` on dataset `, ident(s.dataset, 'code'), `: ${snap(s.base)} against ${snap(s.current)}. PSI of ${what}: `, h('strong', {}, fixed(s.score.index)), ' ', level('score', s.score.level), '.'),
    table(
      'Stability by figure (stable under 0.1, watch from 0.1, shift from 0.25)',
      ['Figure', 'Index', 'Status', 'Bins'],
      figures.map((f) => [ident(f.name), h('span', { class: 'num', 'data-index': f.name }, fixed(f.index)), level(f.name, f.level), h('span', { class: 'num' }, String(f.bins.length))]),
      { widths: ['40%', '20%', '20%', 'auto'] },
    ),
    table(
      `Score bins: share of each snapshot (every bin holds at least ${s.k} rows of both)`,
      ['Bin', `Snapshot ${s.base.version}`, `Snapshot ${s.current.version}`],
      s.score.bins.map((b) => [b.label, h('span', { class: 'num' }, fixed(b.base, 3)), h('span', { class: 'num' }, fixed(b.current, 3))]),
      { widths: ['50%', '25%', 'auto'] },
    ),
  );
}

/** How a job's kind reads in lists: what it does, not the spec's mode word. */
export function kindOf(mode: string | undefined): string {
  switch (mode) {
    case 'monitor':
      return 'monitor';
    case 'he-train':
      return 'HE training';
    case 'he-score':
      return 'HE scoring';
    case 'network':
      return 'network';
    default:
      return 'training';
  }
}
