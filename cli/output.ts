/** How verbs print: one JSON object with --json, aligned text otherwise. */
import { formatCsv } from '../lab/data/csv';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
}

export { fixed, table } from '../lab/text';

/**
 * Digits of a probability in text output: those the enclave releases scores with, so that a local
 * score, a released score and a decrypted HE score of the same enterprise print alike. Points get two
 * fewer, as the enclave releases them. --json keeps each value as computed or released.
 */
// Equal to DEFAULT_SCORING_LIMITS.digits (a test holds them together); not imported, so that printing
// does not load the enclave's store and its native SQLite binding.
export const SCORE_DIGITS = 4;
export const POINTS_DIGITS = Math.max(SCORE_DIGITS - 2, 0);

export interface ScoreRow {
  id: string;
  score: number;
  points?: number;
}

/** Scores as CSV text (id, score, and points when any row has them), with fixed digits. */
export function scoresCsv(rows: readonly ScoreRow[]): string {
  const points = rows.some((r) => r.points !== undefined);
  const cell = (x: number | undefined, digits: number): string => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(digits));
  return formatCsv(['id', 'score', ...(points ? ['points'] : [])], rows.map((r) => [r.id, cell(r.score, SCORE_DIGITS), ...(points ? [cell(r.points, POINTS_DIGITS)] : [])]));
}
