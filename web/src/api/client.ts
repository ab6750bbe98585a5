/**
 * The one place the app talks HTTP. Every call goes same-origin with the session cookie; writes
 * carry the CSRF token from the latest session answer (the server refuses writes without it), and
 * error bodies `{ error, detail, problems? }` become an ApiError.
 */
import { ApiError, type ApiProblem } from './api-error';

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
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** The full URL of an API path, for plain links such as CSV downloads and images (the cookie goes along). */
export function apiUrl(path: string, query?: Query): string {
  return withQuery(`/api/v1${path}`, query);
}

interface Body {
  readonly contentType: string;
  readonly data: BodyInit;
}

async function send(method: Method, path: string, body: Body | undefined, query: Query | undefined, accept: string, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (body) headers['content-type'] = body.contentType;
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(apiUrl(path, query), { method, headers, credentials: 'same-origin', body: body?.data, signal });
  } catch (err) {
    if (signal?.aborted) throw new ApiError(0, 'aborted', 'the request was cancelled');
    throw new ApiError(0, 'network', err instanceof Error ? err.message : 'the network request failed');
  }
  if (!res.ok) throw await failure(res, path);
  return res;
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function failure(res: Response, path: string): Promise<ApiError> {
  const json = parse(await res.text());
  const b = (typeof json === 'object' && json !== null ? json : {}) as { error?: unknown; detail?: unknown; problems?: unknown };
  const detail = typeof b.detail === 'string' ? b.detail : `the server answered ${res.status} ${res.statusText}`;
  const problems = Array.isArray(b.problems)
    ? b.problems.filter((p): p is ApiProblem => typeof p === 'object' && p !== null && typeof (p as ApiProblem).message === 'string')
    : [];
  // The sign-in call itself answers 401 for a wrong password: that is not a lost session.
  if (res.status === 401 && !path.startsWith('/auth/')) for (const l of unauthenticatedListeners) l();
  return new ApiError(res.status, typeof b.error === 'string' ? b.error : 'http_' + res.status, detail, problems);
}

/** A JSON call; `signal` cancels it (the server then drops a search still waiting for its turn). */
export async function request<T>(method: Method, path: string, body?: unknown, query?: Query, signal?: AbortSignal): Promise<T> {
  const res = await send(method, path, body === undefined ? undefined : { contentType: 'application/json', data: JSON.stringify(body) }, query, 'application/json', signal);
  return parse(await res.text()) as T;
}

/** Sends a file's bytes as the body with its own Content-Type (photo uploads). */
export async function upload<T>(path: string, file: Blob, query?: Query): Promise<T> {
  const res = await send('POST', path, { contentType: file.type || 'application/octet-stream', data: file }, query, 'application/json');
  return parse(await res.text()) as T;
}

/** Sends text as the body with the given Content-Type (a CSV import); answers the JSON reply. */
export async function sendText<T>(path: string, text: string | Blob, contentType: string, query?: Query): Promise<T> {
  const res = await send('POST', path, { contentType, data: text }, query, 'application/json');
  return parse(await res.text()) as T;
}

/** A call answering a file (a PDF): the bytes as a Blob, errors as usual. */
export async function requestBlob(method: Method, path: string, body?: unknown): Promise<Blob> {
  const res = await send(method, path, body === undefined ? undefined : { contentType: 'application/json', data: JSON.stringify(body) }, undefined, 'application/pdf, application/json');
  return res.blob();
}
