import { ScimError } from '../scim/errors.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

import type { Logger } from '../log.js';

export type { Logger };

export function scimJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': SCIM_CONTENT_TYPE, ...headers } });
}

/**
 * The single place where errors become responses. A ScimError is the client's fault and is
 * rendered as RFC 7644 §3.12 says; anything else is Muster's fault: logged with its stack,
 * answered 500 without internals, and never disguised as another status.
 */
export function errorResponse(err: unknown, log: Logger, requestId: string): Response {
  if (err instanceof ScimError) {
    const headers: Record<string, string> = {};
    if (err.status === 401) headers['www-authenticate'] = 'Bearer realm="muster", error="invalid_token"';
    if (err instanceof RetryableScimError) headers['retry-after'] = String(err.retryAfterSeconds);
    if (err instanceof MethodNotAllowed) headers.allow = err.allow.join(', ');
    return scimJson(err.toJSON(), err.status, headers);
  }
  log.error('unhandled error', { requestId, err: err instanceof Error ? err.stack : String(err) });
  return scimJson(new ScimError(500, undefined, `internal error (request id ${requestId}); the request changed nothing`).toJSON(), 500);
}

export class RetryableScimError extends ScimError {
  constructor(status: number, detail: string, readonly retryAfterSeconds: number) {
    super(status, undefined, detail);
  }
}

export class MethodNotAllowed extends ScimError {
  constructor(readonly allow: readonly string[], method: string, path: string) {
    super(405, undefined, `${method} is not allowed on ${path}; allowed: ${allow.join(', ')}`);
  }
}
