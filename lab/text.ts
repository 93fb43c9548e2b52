/** Text formatting shared by the CLI, the demo story, reports and model exports. */

export function fixed(x: number, digits = 4): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

/** A plain text table: the first row is the header; the first column is left-aligned, the rest right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  return rows.map((r) => r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))).join('  ')).join('\n');
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for XML and HTML content and quoted attribute values. */
export function escapeXml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

/** Edit distance (insert, delete, substitute, swap two neighbours) between two short names. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate a mistyped name most likely meant, or undefined when none is close: a case-only
 * difference, else a few edits (at most a third of the name, at most 3), else a name that only
 * lacks a suffix (`loan_amount` for `loan_amount_10k`; the shortest such).
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === name) continue;
    const distance = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    if (distance < bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  if (bestDistance <= limit) return best;
  if (name.length < 4) return undefined;
  return candidates.filter((c) => c.toLowerCase().startsWith(lower)).sort((a, b) => a.length - b.length)[0];
}

/** `; did you mean "x"?` when a candidate is close, else nothing: the tail of an unknown-name message. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const near = nearestName(name, candidates);
  return near === undefined ? '' : `; did you mean "${near}"?`;
}

/**
 * How a table's width is said everywhere (dataset import, upload, the demo): the columns besides the
 * id column, since the id is a key and never a feature.
 */
export function columnsBesidesId(count: number, idColumn: string): string {
  return `${count} column${count === 1 ? '' : 's'} besides the id column "${idColumn}"`;
}
