import type { Context } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScimError, invalidSyntax } from '../scim/errors.js';
import { decodeUtf8, guardJson, guardJsonText, guardText } from '../scim/input-guard.js';

/**
 * Reads a JSON request body with a size limit (413 past it, before the whole body is read when
 * Content-Length says so). Accepts application/scim+json (RFC 7644 §3.1; what Okta and Entra ID
 * send: developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20, learn.microsoft.com/entra/
 * identity/app-provisioning/use-scim-to-provision-users-and-groups), application/json and other
 * `+json` types, or no Content-Type at all (many scripts send none). Anything else, text/plain
 * included, is 415 as docs/scim.md says: no supported IdP sends it, and a form or a text body is
 * not a SCIM request.
 * The one input boundary for JSON (src/scim/input-guard.ts): bytes that are not UTF-8 and bodies
 * nested deeper than MAX_JSON_DEPTH are refused before parsing; reserved keys (`__proto__`,
 * `constructor`, `prototype`), lone surrogates and NUL after it, in one bounded walk.
 */
export async function readJsonBody(req: Request, maxBytes: number, onText?: (text: string) => void, incoming?: IncomingMessage): Promise<unknown> {
  const type = req.headers.get('content-type');
  if (type && !/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type.trim())) {
    throw new ScimError(415, undefined, `send the body as application/scim+json or application/json, not ${type}`);
  }
  const bytes = incoming ? await readIncoming(req, incoming, maxBytes) : await readBytes(req, maxBytes);
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch (err) {
    onText?.(bytes.toString('utf8'));
    throw err;
  }
  onText?.(text);
  if (text.trim() === '') throw invalidSyntax('the request body is empty; send a JSON object');
  guardJsonText(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidSyntax(`the request body is not valid JSON: ${(err as Error).message}`);
  }
  guardJson(parsed);
  return parsed;
}

/** The body as UTF-8 text, refused with 413 past `maxBytes` (before reading it all when Content-Length says so). */
export async function readText(req: Request, maxBytes: number): Promise<string> {
  return (await readBytes(req, maxBytes)).toString('utf8').replace(/^\uFEFF/, '');
}

/** The body's bytes, refused with 413 past `maxBytes` (before reading it all when Content-Length says so). */
export async function readBytes(req: Request, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (err) {
      // An error of the body stream itself: a reset connection, or a request aborted because its socket closed.
      if (req.signal.aborted || isResetStream(err)) throw new ClientAbortedError(size, { cause: err });
      throw err;
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * `readBytes` from the Node request itself, when the server is @hono/node-server (its `c.env.incoming`):
 * the same limits and the same ClientAbortedError, without turning the socket into a WHATWG stream
 * read chunk by chunk through promises (about a tenth of a SCIM write's CPU, bench/RESULTS.md, issue 16).
 */
export function readIncoming(req: Request, incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  if (incoming.readableEnded) return Promise.resolve(Buffer.alloc(0));
  // Gone before this read began (the request waited for the database while its client hung up):
  // no event will come any more.
  if (incoming.destroyed || incoming.errored) return Promise.reject(new ClientAbortedError(0, { cause: incoming.errored ?? undefined }));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | undefined) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // The rest is drained by the server once the 413 is sent, as when the web stream was cancelled.
        incoming.pause();
        finish(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onError = (err: Error) => finish(new ClientAbortedError(size, { cause: err }));
    const onClose = () => {
      if (!incoming.complete) finish(new ClientAbortedError(size));
    };
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Whether the client closed the connection before the answer: what @hono/node-server's abort of
 * `c.req.raw.signal` means (the response closed before it finished, or the request stream failed),
 * read from the Node request and response; the signal would build a whole WHATWG Request and
 * AbortController for it (tens of µs a request, bench/RESULTS.md, issue 16).
 */
export function clientGone(c: Context): boolean {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  if (env?.outgoing && env.incoming) return Boolean(env.incoming.errored) || env.outgoing.destroyed || env.outgoing.socket?.destroyed === true;
  return c.req.raw.signal.aborted;
}

/** nginx's "client closed request": the status the logs give a request whose client hung up before sending it all. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * The client closed the connection before its request body was complete (Node's http server
 * ends the body with `Error('aborted')`, code ECONNRESET, and @hono/node-server aborts the
 * request's signal). Not a failure of the request: nothing was read, so nothing was written.
 */
export class ClientAbortedError extends Error {
  constructor(readonly receivedBytes: number, options?: { cause?: unknown }) {
    super(`the client closed the connection after ${receivedBytes} bytes of the request body`, options);
    this.name = 'ClientAbortedError';
  }
}

/** Only for errors of the request body stream: elsewhere ECONNRESET may be the database's connection. */
function isResetStream(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

function tooLarge(max: number): ScimError {
  return new ScimError(413, undefined, `the request body is larger than the ${max} bytes this server accepts (ServiceProviderConfig bulk.maxPayloadSize)`);
}

/**
 * Refuses (400 invalidValue, InputRefused) a URL whose decoded path segments or query names and
 * values hold NUL or a lone surrogate: they would reach the database as ids, filters or search
 * text (PostgreSQL refuses NUL with a 500). A segment that is no valid percent-encoding is left to
 * the route (a 404, as before).
 */
export function guardUrl(url: URL): void {
  for (const seg of url.pathname.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      continue;
    }
    guardText(decoded, `the URL path segment "${seg}"`);
  }
  for (const [k, v] of url.searchParams) {
    guardText(k, 'a query parameter name');
    guardText(v, `the query parameter "${k}"`);
  }
}
