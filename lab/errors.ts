/** The one error type of jointlab: a stable code, a message free of data values, and a category that sets the exit code and HTTP status. */

export type ErrorCategory = 'usage' | 'validation' | 'auth' | 'forbidden' | 'not_found' | 'conflict' | 'too_large' | 'media' | 'rate' | 'server';

const statusOf: Record<ErrorCategory, number> = {
  usage: 400,
  validation: 422,
  auth: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  media: 415,
  rate: 429,
  server: 500,
};

/** Distinct exit codes for the CLI, so scripts can tell a typo from bad data from a refused token. */
export const EXIT_CODES = {
  ok: 0,
  internal: 1,
  usage: 2,
  validation: 3,
  auth: 4,
  server: 5,
} as const;

const exitOf: Record<ErrorCategory, number> = {
  usage: EXIT_CODES.usage,
  validation: EXIT_CODES.validation,
  not_found: EXIT_CODES.validation,
  conflict: EXIT_CODES.validation,
  too_large: EXIT_CODES.validation,
  media: EXIT_CODES.usage,
  rate: EXIT_CODES.validation,
  auth: EXIT_CODES.auth,
  forbidden: EXIT_CODES.auth,
  server: EXIT_CODES.server,
};

export class JointlabError extends Error {
  override name = 'JointlabError';
  constructor(
    /** Stable, machine-readable, e.g. `csv_ragged_row`. */
    readonly code: string,
    message: string,
    readonly category: ErrorCategory = 'validation',
  ) {
    super(message);
  }

  get status(): number {
    return statusOf[this.category];
  }

  get exitCode(): number {
    return exitOf[this.category];
  }
}

export interface Problem {
  /** JSON pointer into the request body, e.g. `/platform/columns/2`. */
  pointer: string;
  message: string;
}

/** A rejected body: each problem names where it is, so the caller can fix them all at once. */
export class ProblemsError extends JointlabError {
  constructor(
    code: string,
    message: string,
    readonly problems: Problem[],
    category: ErrorCategory = 'usage',
  ) {
    super(code, message, category);
  }
}
