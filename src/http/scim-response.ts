import { ScimError } from '../scim/errors.js';
import { isObject } from '../scim/json.js';
import { JsonText, jsonOf, listEnvelope } from '../scim/json-text.js';
import { ScanBusyError, ScanTimeoutError } from '../store/scan-pool.js';
import { DATABASE_RETRY_AFTER_S, databaseUnavailable } from '../store/unavailable.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

import type { Logger } from '../log.js';

export type { Logger };

/** The body of each response scimJson made (its text, or its bytes), so that it can be re-sent or logged without reading the body stream. */
const SENT = new WeakMap<Response, string | Buffer>();

export function scimJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const sent = encode(body);
  const res = new Response(sent, { status, headers: { 'content-type': SCIM_CONTENT_TYPE, ...headers } });
  SENT.set(res, sent);
  return res;
}

/** A ListResponse of this many characters or more is sent as bytes (encode). */
export const BYTES_FROM = 16 * 1024;

/**
 * The JSON of an answer. A JsonText (a person spliced from their stored text, ScimService.renderPage)
 * is sent as it is. A ListResponse (RFC 7644 §3.4.2) is written a resource at a time into its
 * envelope (listEnvelope): a JsonText among its resources goes in as it is, and an answer of
 * BYTES_FROM characters or more is written into bytes rather than made one string.
 *
 * One JSON.stringify of a page of 100 people made a 94 KB string that sending then had to copy
 * whole twice (to count its bytes, and with the status line and headers in front), each copy into
 * memory the engine had just taken back, one page fault at a time: that cost more CPU than
 * building the page (bench/RESULTS.md, "A page sent as bytes, and a page spliced from stored
 * text"). Written piece by piece into a buffer, the page is copied once, into memory the
 * allocator keeps.
 */
function encode(body: unknown): string | Buffer {
  if (body instanceof JsonText) return body.text;
  if (!isObject(body) || !Array.isArray(body.Resources) || body.Resources.length === 0) return JSON.stringify(body);
  const resources = body.Resources as unknown[];
  const { head, tail } = listEnvelope(body);
  const pieces = [head];
  let chars = head.length;
  for (let i = 0; i < resources.length; i++) {
    if (i > 0) pieces.push(',');
    // As JSON.stringify writes an array element that has no JSON (undefined, a function): null.
    const text = jsonOf(resources[i]) ?? 'null';
    pieces.push(text);
    chars += text.length + 1;
  }
  pieces.push(tail);
  chars += tail.length;
  if (chars < BYTES_FROM) return pieces.join('');
  let bytes = 0;
  for (const p of pieces) bytes += Buffer.byteLength(p);
  const out = Buffer.allocUnsafe(bytes);
  let n = 0;
  for (const p of pieces) n += out.write(p, n);
  return n === bytes ? out : out.subarray(0, n);
}

/** Responses scimStream made: their body is sent as it is produced, never read whole (the request log keeps none of it). */
const STREAMED = new WeakSet<Response>();
export const isStreamed = (res: Response): boolean => STREAMED.has(res);

/** How a streamed answer ended: all of it sent, the client gone before its end, or a failure part way. */
export type StreamEnd = 'sent' | 'client-left' | 'failed';
interface StreamState { ended: StreamEnd | undefined; readonly waiting: Array<(how: StreamEnd) => void> }
const STREAM_STATE = new WeakMap<Response, StreamState>();

/**
 * Calls `fn` once `res` has been sent: at once for an answer made whole, when its last chunk is
 * read for a streamed one (a group of many members takes seconds after its handler returned). The
 * request's foreground time (runtime/turns.ts) and its request-log duration end there, so that
 * background work does not take the thread as if the node were idle while a stream is going out.
 */
export function whenSent(res: Response, fn: (how: StreamEnd) => void): void {
  const state = STREAM_STATE.get(res);
  if (!state) fn('sent');
  else if (state.ended) fn(state.ended);
  else state.waiting.push(fn);
}
/** Pieces are gathered into chunks of about this many characters before they are written. */
const STREAM_CHUNK = 64 * 1024;

/**
 * Ends a streamed answer that will never be sent. @hono/node-server cancels a stream whose client
 * leaves while it is written, but does not read one whose connection closed before the handler
 * returned, so it would stay unsent (in flight) for ever. `outgoing` is the Node response; once it
 * closes, a body nobody took is cancelled (a body being written is the server's to cancel).
 */
export function settleOnClose(res: Response, outgoing: StreamTarget | undefined): void {
  const state = STREAM_STATE.get(res);
  if (!state || state.ended || !outgoing || !res.body) return;
  const body = res.body;
  const settle = (): void => {
    if (!state.ended && !body.locked) body.cancel().catch(() => undefined);
  };
  if (outgoing.destroyed) {
    settle();
    return;
  }
  outgoing.once('close', settle);
  // A client that stops reading part way holds the answer (and the request's place in flight)
  // for as long as its connection lasts: a connection silent that long is closed, which cancels
  // the stream. Pages are written every few milliseconds while the client reads.
  outgoing.setTimeout(STREAM_STALL_MS, () => outgoing.destroy());
  whenSent(res, () => outgoing.setTimeout(0));
}

/** How long a streamed answer waits for a client that stopped reading. */
export const STREAM_STALL_MS = 60_000;

/** What settleOnClose needs of the Node response. */
export interface StreamTarget {
  readonly destroyed: boolean;
  once(event: 'close', fn: () => void): unknown;
  setTimeout(ms: number, fn?: () => void): unknown;
  destroy(): unknown;
}

/**
 * A JSON answer sent as its pieces come (a group of many members, ScimService.streamed): at most a
 * chunk and a page of members in memory, and the event loop free between pages. The first chunk
 * is read before the answer is made, so a failure there is an ordinary error answer. A failure
 * after the status went out can only cut the connection: the answer is sent chunked (no length
 * announced), so the client sees it end without its last chunk, never as a complete answer.
 */
export async function scimStream(pieces: AsyncIterable<string>, status = 200, headers: Record<string, string> = {}, log?: Logger): Promise<Response> {
  const it = pieces[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  let cancelled = false;
  const next = async (): Promise<{ chunk: string; done: boolean }> => {
    let chunk = '';
    while (chunk.length < STREAM_CHUNK) {
      const r = await it.next();
      if (r.done) return { chunk, done: true };
      chunk += r.value;
    }
    return { chunk, done: false };
  };
  const first = await next();
  const state: StreamState = { ended: undefined, waiting: [] };
  const end = (how: StreamEnd): void => {
    if (state.ended) return;
    state.ended = how;
    for (const fn of state.waiting.splice(0)) fn(how);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.chunk) controller.enqueue(encoder.encode(first.chunk));
      if (first.done) {
        controller.close();
        end('sent');
      }
    },
    async pull(controller) {
      try {
        const { chunk, done } = await next();
        // The client left while the page was read (cancel below): nothing to send, nothing went wrong.
        if (cancelled) return;
        if (chunk) controller.enqueue(encoder.encode(chunk));
        if (done) {
          controller.close();
          end('sent');
        }
      } catch (err) {
        if (cancelled) return;
        log?.error('a streamed SCIM answer failed part way', { err: String(err) });
        controller.error(err);
        end('failed');
      }
    },
    async cancel() {
      cancelled = true;
      end('client-left');
      await it.return?.();
    },
  });
  // Chunked, said outright: @hono/node-server otherwise reads a short stream ahead to announce its
  // length, and would end an answer that failed in those first chunks as if it were complete.
  const res = new Response(body, { status, headers: { 'content-type': SCIM_CONTENT_TYPE, 'transfer-encoding': 'chunked', ...headers } });
  STREAMED.add(res);
  STREAM_STATE.set(res, state);
  return res;
}

/**
 * `res` with more headers. A response scimJson made is rebuilt from its body (text or bytes), so
 * that @hono/node-server still writes it in one call; rebuilding it from `res.body` turned every
 * answer into a web stream piped chunk by chunk (about a seventh of a lookup's CPU,
 * bench/RESULTS.md, "Where the microseconds go"). `text()` gives the body as text, when it is known
 * without reading the stream (bytes are decoded only when asked: only the request log asks).
 */
export function withHeaders(res: Response, extra: Readonly<Record<string, string>>): { res: Response; text: () => string | undefined } {
  const sent = SENT.get(res);
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  if (sent === undefined) {
    const out = new Response(res.body, { status: res.status, headers });
    if (STREAMED.has(res)) STREAMED.add(out);
    const state = STREAM_STATE.get(res);
    if (state) STREAM_STATE.set(out, state);
    return { res: out, text: () => undefined };
  }
  const out = new Response(sent, { status: res.status, headers });
  SENT.set(out, sent);
  return { res: out, text: () => (typeof sent === 'string' ? sent : sent.toString('utf8')) };
}

/**
 * The single place where errors become responses. A ScimError is the client's fault and is
 * rendered as RFC 7644 §3.12 says; anything else is Muster's fault: logged with its stack,
 * answered 500 without internals, and never disguised as another status.
 */
export function errorResponse(err: unknown, log: Logger, requestId: string): Response {
  // The lane of whole-list queries (store/scan-pool.ts): this list has its most waiting (try again
  // shortly), or the query ran past its deadline (RFC 7644 §3.12: tooMany, more than the server is
  // willing to process; retrying it would only take as long again).
  if (err instanceof ScanBusyError) return errorResponse(new RetryableScimError(429, err.message, err.retryAfterSeconds), log, requestId);
  if (err instanceof ScanTimeoutError) return errorResponse(new ScimError(400, 'tooMany', err.message), log, requestId);
  if (err instanceof ScimError) {
    const headers: Record<string, string> = {};
    if (err.status === 401) headers['www-authenticate'] = 'Bearer realm="muster", error="invalid_token"';
    if (err instanceof RetryableScimError) headers['retry-after'] = String(err.retryAfterSeconds);
    if (err instanceof MethodNotAllowed) headers.allow = err.allow.join(', ');
    return scimJson(err.toJSON(), err.status, headers);
  }
  if (databaseUnavailable(err)) {
    log.error('database unavailable', { requestId, err: String(err) });
    return errorResponse(new RetryableScimError(503, `the database is not answering; try again in ${DATABASE_RETRY_AFTER_S} seconds`, DATABASE_RETRY_AFTER_S), log, requestId);
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
