// Google's error shapes. The Wallet API (a Google API on the classic JSON error model:
// cloud.google.com/apis/design/errors#http_mapping) answers
//   {"error": {"code": 404, "message": "…", "errors": [{"message", "domain": "global", "reason"}], "status": "NOT_FOUND"}}
// and the OAuth token endpoint answers RFC 6749 §5.2 errors: {"error": "invalid_grant", "error_description": "…"}.

const STATUS: Readonly<Record<number, readonly [status: string, reason: string]>> = {
  400: ['INVALID_ARGUMENT', 'invalid'],
  401: ['UNAUTHENTICATED', 'authError'],
  403: ['PERMISSION_DENIED', 'forbidden'],
  404: ['NOT_FOUND', 'notFound'],
  409: ['ALREADY_EXISTS', 'duplicate'],
  429: ['RESOURCE_EXHAUSTED', 'rateLimitExceeded'],
  500: ['INTERNAL', 'backendError'],
  503: ['UNAVAILABLE', 'backendError'],
};

export class ApiError extends Error {
  constructor(readonly code: number, message: string, readonly headers: Record<string, string> = {}, readonly reason?: string) {
    super(message);
  }

  body(): unknown {
    const [status, reason] = STATUS[this.code] ?? ['UNKNOWN', 'unknown'];
    return { error: { code: this.code, message: this.message, errors: [{ message: this.message, domain: 'global', reason: this.reason ?? reason }], status } };
  }
}

export class OAuthError extends Error {
  constructor(readonly code: 400 | 401 | 429 | 500 | 503, readonly error: string, readonly description: string, readonly headers: Record<string, string> = {}) {
    super(description);
  }

  body(): unknown {
    return { error: this.error, error_description: this.description };
  }
}

export const errors = {
  /** What Google's front end says to a request without a valid access token. */
  unauthenticated: () => new ApiError(401,
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' }),
  insufficientScope: () => new ApiError(403, 'Request had insufficient authentication scopes.', { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"' }, 'ACCESS_TOKEN_SCOPE_INSUFFICIENT'),
  notIssuer: (issuerId: string) => new ApiError(403, `The caller does not have permission: the service account is not a user of issuer ${issuerId} in the Google Pay & Wallet Console.`),
  notFound: (what: string, id: string) => new ApiError(404, `Resource not found: no ${what} with id ${id}.`, {}, 'resourceNotFound'),
  exists: (what: string, id: string) => new ApiError(409, `Resource already exists: a ${what} with id ${id}.`),
  invalid: (message: string) => new ApiError(400, message),
  throttled: (retryAfter: string) => new ApiError(429, 'Quota exceeded for quota metric \'Write requests\' and limit \'Write requests per minute\' of service \'walletobjects.googleapis.com\'.', { 'Retry-After': retryAfter }),
  unavailable: (retryAfter?: string) => new ApiError(503, 'The service is currently unavailable.', retryAfter ? { 'Retry-After': retryAfter } : {}),
  internal: (message: string) => new ApiError(500, message),
};
