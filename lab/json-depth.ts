/** How deeply a parsed JSON value nests, measured without recursion so that hostile depth cannot exhaust the stack. */

/**
 * Deepest nesting any jointlab body or envelope header needs is under ten (a job spec's model
 * parameters); 32 leaves room while keeping recursive consumers (ajv, structuredClone) far from
 * the stack limit, which a body of a few thousand brackets reaches.
 */
export const MAX_JSON_DEPTH = 32;

/** True when `value` nests arrays or objects more than `limit` levels deep (a bare scalar is depth 0). */
export function exceedsJsonDepth(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
