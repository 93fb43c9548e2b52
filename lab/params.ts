/** Hyper-parameter overrides checked against a model family's defaults. */
import { JointlabError } from './errors';

/** Overrides must name a known hyper-parameter and keep its type, so a typo fails loudly instead of being ignored. */
export function mergeParams(defaults: object, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = defaults as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(base, key)) {
      throw new JointlabError('unknown_param', `unknown hyper-parameter "${key}"; known: ${Object.keys(base).join(', ')}`, 'usage');
    }
    const expected = Array.isArray(base[key]) ? 'array' : typeof base[key];
    const got = Array.isArray(value) ? 'array' : typeof value;
    if (expected !== got || (Array.isArray(value) && value.some((v) => typeof v !== 'number'))) {
      throw new JointlabError('bad_param', `hyper-parameter "${key}" must be ${expected === 'array' ? 'an array of numbers' : `a ${expected}`}`, 'usage');
    }
  }
  return { ...base, ...overrides };
}
