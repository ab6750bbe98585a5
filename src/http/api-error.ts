/** An admin API failure: status, a stable code, and a sentence for a person. Rendered by the admin API's onError. */
export class ApiError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 429 | 500 | 502 | 503, readonly code: string, message: string) {
    super(message);
  }
}
