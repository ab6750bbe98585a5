/**
 * The PassKit web service at `${origin}/passkit` (the pass's webServiceURL), exactly the routes
 * Apple's "Wallet Passes Web Service Reference" defines, and the holder's signed download link
 * at /passes/apple/{credentialId}.pkpass. Public: Wallet authenticates per pass with
 * `Authorization: ApplePass <authenticationToken>`; the listing of updatable passes carries no
 * token, as Apple specifies, and reveals only serial numbers the caller's device registered.
 */
import { Hono, type Context } from 'hono';
import type { ApplePasses, BuiltPass } from '../credentials/apple/apple-passes.js';
import type { PassWebService } from '../credentials/apple/pass-web-service.js';
import { ScimError } from '../scim/errors.js';
import { guardUrl, readJsonBody } from './body.js';

export interface PassKitDeps {
  readonly passKit: PassWebService;
  readonly applePasses: ApplePasses;
}

const PKPASS = 'application/vnd.apple.pkpass';
const requestOrigin = (c: Context) => new URL(c.req.url).origin;

/** Apple's endpoints answer bare statuses; an empty body keeps it that way. */
const bare = (c: Context, status: 200 | 201 | 204 | 304 | 400 | 401 | 404) => c.body(null, status);

function passResponse(c: Context, p: BuiltPass, filename?: string): Response {
  return c.body(new Uint8Array(p.bytes), 200, {
    'content-type': PKPASS,
    'last-modified': new Date(p.modifiedAt).toUTCString(),
    'cache-control': 'no-store',
    ...(filename ? { 'content-disposition': `attachment; filename="${filename}"` } : {}),
  });
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await readJsonBody(c.req.raw, 65_536);
  } catch (err) {
    if (err instanceof ScimError) return undefined;
    throw err;
  }
}

export function passKitRoutes(deps: PassKitDeps): Hono {
  const r = new Hono();
  const meta = { actor: 'apple-wallet' };
  // Device ids, serials and query values reach the database: NUL and lone surrogates are a 400
  // (through onError below), never a database error (src/scim/input-guard.ts).
  r.use('*', async (c, next) => {
    guardUrl(new URL(c.req.url));
    await next();
  });

  r.post('/v1/devices/:device/registrations/:passType/:serial', async (c) => {
    const { device, passType, serial } = c.req.param();
    return bare(c, await deps.passKit.register(device, passType, serial, c.req.header('authorization'), await jsonBody(c), meta));
  });
  r.delete('/v1/devices/:device/registrations/:passType/:serial', async (c) => {
    const { device, passType, serial } = c.req.param();
    return bare(c, await deps.passKit.unregister(device, passType, serial, c.req.header('authorization'), meta));
  });
  r.get('/v1/devices/:device/registrations/:passType', async (c) => {
    const { device, passType } = c.req.param();
    const found = await deps.passKit.updatable(device, passType, c.req.query('passesUpdatedSince') || undefined);
    return found ? c.json(found) : bare(c, 204);
  });
  r.get('/v1/passes/:passType/:serial', async (c) => {
    const { passType, serial } = c.req.param();
    const p = await deps.passKit.latest(passType, serial, c.req.header('authorization'), c.req.header('if-modified-since'), requestOrigin(c));
    if (p === 401) return bare(c, 401);
    if (p === 'not-modified') return bare(c, 304);
    return passResponse(c, p);
  });
  r.post('/v1/log', async (c) => {
    deps.passKit.logMessages(await jsonBody(c));
    return bare(c, 200);
  });
  r.notFound((c) => bare(c, 404));
  // A pass that cannot be built now (the organisation removed its Apple settings, the secret key
  // changed): Wallet retries later on 503; never a 500 with a stack.
  r.onError((err, c) => (err instanceof ScimError && err.status < 500 ? bare(c, err.status === 401 ? 401 : err.status === 404 ? 404 : 400) : c.body(null, 503, { 'retry-after': '3600' })));
  return r;
}

/** GET /passes/apple/{credentialId}.pkpass?expires=…&signature=…: the holder's link (Safari opens it in Wallet). */
export function passDownloadHandler(deps: PassKitDeps) {
  return async (c: Context) => {
    const id = c.req.param('file')?.replace(/\.pkpass$/, '') ?? '';
    const credential = await deps.applePasses.fromLink(id, c.req.query('expires'), c.req.query('signature'));
    if (!credential) return c.json({ error: 'link_invalid', detail: 'this link is not valid or has expired: ask your administrator for a new one' }, 403);
    try {
      return passResponse(c, await deps.applePasses.build(credential, requestOrigin(c)), 'pass.pkpass');
    } catch {
      return c.json({ error: 'pass_unavailable', detail: 'this pass cannot be made right now; ask your administrator' }, 503);
    }
  };
}
