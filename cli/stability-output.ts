/** How the CLI prints a monitor job's released stability figures: the score's PSI with its bins, each feature's CSI, each with its status. */
import { fixed, table } from './output';
import type { ReleasedStability } from '../lab/api/monitor';

const UNIT: Record<ReleasedStability['score']['unit'], string> = { probability: 'probability of default', logit: 'log-odds', points: 'points' };

export function stabilityLines(s: ReleasedStability): string {
  const snap = (x: ReleasedStability['base']) => `snapshot ${x.version} (${x.importedAt.slice(0, 10)}, ${x.rows === null ? `<${s.k}` : x.rows} rows)`;
  const what = s.score.part === 'full' ? `the score (${UNIT[s.score.unit]})` : `the platform part of the score (${UNIT[s.score.unit]})`;
  return [
    `monitor of job ${s.job} (${s.family}) on dataset "${s.dataset}": ${snap(s.base)} -> ${snap(s.current)}`,
    `score PSI ${fixed(s.score.index)} (${s.score.level}) of ${what}`,
    table([['bin', 'base', 'current'], ...s.score.bins.map((b) => [b.label, fixed(b.base, 3), fixed(b.current, 3)])]),
    table([['feature', 'CSI', 'status'], ...[...s.features].sort((a, b) => b.index - a.index).map((f) => [f.name, fixed(f.index), f.level])]),
    `stable < ${s.thresholds.watch} <= watch < ${s.thresholds.shift} <= shift; every bin holds at least ${s.k} rows of both snapshots; shares rounded to 3 decimals`,
  ].join('\n');
}
