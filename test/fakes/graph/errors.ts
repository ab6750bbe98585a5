// Error bodies exactly as Microsoft Graph and the Microsoft identity platform send them.
//
// Graph: { error: { code, message, innerError: { date, request-id, client-request-id } } }
//   https://learn.microsoft.com/graph/errors ; the envelope with innerError is shown verbatim in
//   https://learn.microsoft.com/graph/aad-advanced-queries (error-handling examples).
// Identity platform (token endpoint): { error, error_description: "AADSTSnnn: …\r\nTrace ID: …",
//   error_codes, timestamp, trace_id, correlation_id }
//   https://learn.microsoft.com/previous-versions/azure/dn645548(v=azure.100) ("Token Issuance
//   Endpoint Errors"), codes from https://learn.microsoft.com/entra/identity-platform/reference-error-codes
import { randomUUID } from 'node:crypto';

/** A Graph error, thrown by handlers and rendered by the server in one place. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly innerExtra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** Graph's innerError.date has no fraction and no zone, e.g. "2021-05-18T19:03:10". */
export function graphDate(now = new Date()): string {
  return now.toISOString().slice(0, 19);
}

export function graphErrorBody(
  err: GraphError,
  requestId: string,
  clientRequestId: string,
): Record<string, unknown> {
  return {
    error: {
      code: err.code,
      message: err.message,
      innerError: {
        ...err.innerExtra,
        date: graphDate(),
        'request-id': requestId,
        'client-request-id': clientRequestId,
      },
    },
  };
}

export const errors = {
  invalidToken: () =>
    new GraphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.', {
      'WWW-Authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
    }),
  missingToken: () =>
    new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.'),
  denied: () =>
    new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
  notFound: (what: string) =>
    new GraphError(404, 'Request_ResourceNotFound',
      `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`),
  noSegment: (segment: string) =>
    new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  badToken: (param: string) =>
    new GraphError(400, 'BadRequest', `The ${param} supplied is not valid for this request.`),
  // aad-advanced-queries: "$count is not currently supported." without ConsistencyLevel.
  countNeedsEventual: () =>
    new GraphError(400, 'Request_BadRequest', '$count is not currently supported.'),
  // aad-advanced-queries: $search on directory objects without ConsistencyLevel.
  searchNeedsEventual: () =>
    new GraphError(400, 'Request_UnsupportedQuery',
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"),
  unsupportedQuery: (detail: string) => new GraphError(400, 'Request_UnsupportedQuery', detail),
  imageNotFound: () =>
    new GraphError(404, 'ImageNotFound',
      "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown."),
  methodNotAllowed: () =>
    new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.'),
  // graph/throttling sample response, verbatim shape (innerError carries code/status/message).
  throttled: (retryAfter: string) =>
    new GraphError(429, 'TooManyRequests', 'Please retry again later.', { 'Retry-After': retryAfter },
      { code: '429', message: 'Please retry after', status: '429' }),
  unavailable: (retryAfter: string) =>
    new GraphError(503, 'ServiceNotAvailable',
      'The service is temporarily unavailable for maintenance or is overloaded. You may repeat the request after a delay.',
      { 'Retry-After': retryAfter }),
  /**
   * delta-query-overview "Synchronization reset": 410 Gone and a Location header holding the
   * initial request URL with an empty $deltaToken. "Token duration": expired tokens answer with
   * syncStateNotFound ("The sync state generation is not found…", devblogs.microsoft.com, 2020).
   */
  resync: (status: 400 | 410, code: string, location: string) =>
    new GraphError(status, code, code === 'syncStateNotFound'
      ? 'The sync state generation is not found. The delta token is expired and data must be synchronized again.'
      : 'Resync required. Replace any local cached copy with the data returned from a full synchronization.',
    { Location: location }),
};

/** An identity-platform token endpoint error. */
export class TokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    description: string,
  ) {
    super(description);
  }
}

export function tokenErrorBody(err: TokenError): Record<string, unknown> {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  return {
    error: err.error,
    error_description: `AADSTS${err.aadsts}: ${err.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [err.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${err.aadsts}`,
  };
}
