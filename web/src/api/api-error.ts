/** One problem of a refused request: a photo check (`code`) or a card template (`path`). */
export interface ApiProblem {
  readonly path?: string;
  readonly code?: string;
  readonly message: string;
}

/** An API call that failed: the HTTP status, the error code and the server's sentence for a person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** Every problem, when the server lists them (422 photo_rejected, invalid_template). */
    readonly problems: readonly ApiProblem[] = [],
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** The words shown before an error's detail, so a person knows what kind of trouble it is. */
export function leadIn(err: ApiError): string {
  if (err.code === 'invalid_credentials') return 'Sign-in failed:';
  if (err.code === 'csrf_failed') return 'Your session needs refreshing (reload the page):';
  if (err.status === 0) return 'Muster cannot be reached right now.';
  if (err.code === 'busy') return 'Muster is busy right now:';
  if (err.code === 'query_too_slow') return 'That search took too long:';
  if (err.status === 400) return 'That was not accepted:';
  if (err.status === 401) return 'You are not signed in:';
  if (err.status === 403) return 'Your account is not allowed to do that:';
  if (err.status === 404) return 'That could not be found:';
  if (err.status === 409) return 'That clashes with how things are now:';
  if (err.status === 422) return 'That was checked and refused:';
  if (err.status === 429) return 'Too many attempts, wait a moment:';
  if (err.status >= 500) return 'Muster ran into a problem:';
  return 'Something went wrong:';
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
}
