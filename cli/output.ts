/** How verbs print: one JSON object with --json, aligned text otherwise. */

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
}

export { fixed, table } from '../lab/text';
