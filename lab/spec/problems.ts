/** ajv's errors as JSON-pointer problems, and the check every request body goes through. */
import { ErrorObject, ValidateFunction } from 'ajv';
import { Problem, ProblemsError } from '../errors';

export function problemOf(e: ErrorObject): Problem {
  const missing = e.keyword === 'required' ? `/${(e.params as { missingProperty: string }).missingProperty}` : '';
  const extra = e.keyword === 'additionalProperties' ? `/${(e.params as { additionalProperty: string }).additionalProperty}` : '';
  const message = e.keyword === 'additionalProperties' ? 'is not a known property' : e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
  return { pointer: `${e.instancePath}${missing}${extra}` || '/', message };
}

/** Validates a copy of `body` (defaults are filled into the copy) and returns it typed; a 400 with pointers otherwise. */
export function assertValid<T>(validate: ValidateFunction<T>, body: unknown, what: string): T {
  const copy = structuredClone(body ?? {});
  if (validate(copy)) return copy;
  throw new ProblemsError('schema_violation', `the ${what} does not match its schema`, (validate.errors ?? []).map(problemOf));
}
