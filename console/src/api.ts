/**
 * The console's client for the enclave API: the same routes the CLI calls, with the signed-in token.
 * Every failure becomes an ApiError whose message is a sentence a steward can act on.
 */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

/** What each status means to the person at the console; the API's own detail follows when it has one. */
const PLAIN: Record<number, string> = {
  400: 'The request was not understood.',
  401: 'Your token was not accepted. Sign in again with a valid token.',
  403: 'Your role is not allowed to do this.',
  404: 'Not found, or not visible to your organization.',
  409: 'This cannot be done in the current state.',
  413: 'What you sent is too large.',
  422: 'What you sent was not accepted.',
  429: 'Too many requests for now. Wait a minute and try again.',
};

export class Api {
  constructor(private readonly token: string) {}

  private async call(method: string, path: string, body?: unknown, csv?: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (csv !== undefined) headers['content-type'] = 'text/csv';
    else if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body: csv ?? (body === undefined ? undefined : JSON.stringify(body)) });
    } catch {
      throw new ApiError('The enclave cannot be reached. Check that it is running, then try again.', 0, 'unreachable');
    }
    if (response.ok) return response;
    let problem: { code?: string; detail?: string; problems?: { pointer: string; message: string }[] } = {};
    try {
      problem = await response.json();
    } catch {
      // Not problem+json: the status has to speak for itself.
    }
    const general = PLAIN[response.status] ?? (response.status >= 500 ? 'The enclave ran into a problem. Nothing was changed; try again later.' : 'The request failed.');
    const details = [problem.detail, ...(problem.problems ?? []).map((p) => `${p.pointer || 'request'}: ${p.message}`)].filter(Boolean).join('; ');
    throw new ApiError(details ? `${general} ${capitalize(details)}.` : general, response.status, problem.code ?? `http_${response.status}`);
  }

  async get<T>(path: string): Promise<T> {
    return (await this.call('GET', path)).json() as Promise<T>;
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    return (await this.call('POST', path, body)).json() as Promise<T>;
  }

  /** Sends a CSV file the user picked, as the CLI sends its files. */
  async postCsv<T>(path: string, csv: string): Promise<T> {
    return (await this.call('POST', path, undefined, csv)).json() as Promise<T>;
  }

  async text(path: string): Promise<string> {
    return (await this.call('GET', path)).text();
  }
}

/** The sentence to show for a failure: the API's own words, or a general one for anything else. */
export function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong; nothing was changed.';
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1).replace(/\.$/, '');
