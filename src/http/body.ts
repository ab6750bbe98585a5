import { ScimError, invalidSyntax } from '../scim/errors.js';

/**
 * Reads a JSON request body with a size limit (413 past it, before the whole body is read when
 * Content-Length says so). Accepts application/scim+json (RFC 7644 §3.1; what Okta and Entra ID
 * send: developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20, learn.microsoft.com/entra/
 * identity/app-provisioning/use-scim-to-provision-users-and-groups), application/json and other
 * `+json` types, or no Content-Type at all (many scripts send none). Anything else, text/plain
 * included, is 415 as docs/scim.md says: no supported IdP sends it, and a form or a text body is
 * not a SCIM request.
 */
export async function readJsonBody(req: Request, maxBytes: number, onText?: (text: string) => void): Promise<unknown> {
  const type = req.headers.get('content-type');
  if (type && !/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type.trim())) {
    throw new ScimError(415, undefined, `send the body as application/scim+json or application/json, not ${type}`);
  }
  const text = await readText(req, maxBytes);
  onText?.(text);
  if (text.trim() === '') throw invalidSyntax('the request body is empty; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidSyntax(`the request body is not valid JSON: ${(err as Error).message}`);
  }
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
