/**
 * The one place the app talks HTTP. Every call goes same-origin with the session cookie; writes
 * carry the CSRF token from the latest session answer (the server refuses writes without it), and
 * error bodies `{ error, detail }` become an ApiError.
 */
import { ApiError } from './api-error';

let csrfToken: string | null = null;
const unauthenticatedListeners = new Set<() => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any call answers 401: the session ended, so the app shows sign-in again. */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** The full URL of an API path, for plain links such as CSV downloads (the cookie goes along). */
export function apiUrl(path: string, query?: Query): string {
  return withQuery(`/api/v1${path}`, query);
}

export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(apiUrl(path, query), {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, 'network', err instanceof Error ? err.message : 'the network request failed');
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const b = (typeof json === 'object' && json !== null ? json : {}) as { error?: unknown; detail?: unknown };
    const detail = typeof b.detail === 'string' ? b.detail : `the server answered ${res.status} ${res.statusText}`;
    const err = new ApiError(res.status, typeof b.error === 'string' ? b.error : 'http_' + res.status, detail);
    // The sign-in call itself answers 401 for a wrong password: that is not a lost session.
    if (res.status === 401 && !path.startsWith('/auth/')) for (const l of unauthenticatedListeners) l();
    throw err;
  }
  return json as T;
}
