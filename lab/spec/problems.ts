/** ajv's errors as JSON-pointer problems, and the check every request body goes through. */
import { ErrorObject, ValidateFunction } from 'ajv';
import { Problem, ProblemsError } from '../errors';
import { didYouMean } from '../text';

/** ajv's own wording, made specific where it only says "invalid": enums list what they allow. */
function messageOf(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return 'is not a known property';
    case 'required':
      return 'is required';
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return e.message ?? 'is invalid';
  }
}

export function problemOf(e: ErrorObject): Problem {
  const missing = e.keyword === 'required' ? `/${(e.params as { missingProperty: string }).missingProperty}` : '';
  const extra = e.keyword === 'additionalProperties' ? `/${(e.params as { additionalProperty: string }).additionalProperty}` : '';
  return { pointer: `${e.instancePath}${missing}${extra}` || '/', message: messageOf(e) };
}

/** The problem for a column a spec names but the data lacks: the name, and the nearest usable one. */
export function unknownColumnProblem(pointer: string, name: string, where: 'dataset' | 'upload', candidates: readonly string[]): Problem {
  return { pointer, message: `"${name}" is not a column of the ${where}${didYouMean(name, candidates)}` };
}

/**
 * Validates a copy of `body` (defaults are filled into the copy) and returns it typed; a 400 with
 * pointers otherwise, under `code` (a request with its own established code keeps it).
 */
export function assertValid<T>(validate: ValidateFunction<T>, body: unknown, what: string, code = 'schema_violation'): T {
  const copy = structuredClone(body ?? {});
  if (validate(copy)) return copy;
  throw new ProblemsError(code, `the ${what} does not match its schema`, (validate.errors ?? []).map(problemOf));
}
