/**
 * createApp(deps): the whole HTTP surface as a Hono app. It never listens; main.ts and the
 * tests decide where it runs (CONVENTIONS: createApp never listens).
 */
import { DATABASE_RETRY_AFTER_S, databaseUnavailable } from '../store/unavailable.js';
import { Hono, type Context, type Next } from 'hono';
import { RateLimiter } from './rate-limit.js';
import type { ThrottleFactory } from '../limits/shared-rate-limiter.js';
import { clientAddress, trustForwardedFor } from './auth-routes.js';
import { ScimError } from '../scim/errors.js';
import { TOKEN_PREFIX } from '../secrets/tokens.js';
import { scimHandler, type ScimRouteDeps } from './scim-routes.js';
import { adminRoutes, type AdminDeps } from './admin-routes.js';
import { scimJson, whenSent } from './scim-response.js';
import { ClientAbortedError, CLIENT_CLOSED_REQUEST } from './body.js';
import { webApp } from './web-app.js';
import { verifyHandler, verifyPhotoHandler } from './verify-page.js';
import { photoUploadPage } from './photo-upload-page.js';
import { passDownloadHandler, passKitRoutes, type PassKitDeps } from './passkit-routes.js';
import { httpMetrics, metricsHandler } from './metrics-routes.js';
import { foregroundBegin } from '../runtime/turns.js';
import { FirstSegmentRouter } from './router.js';

export interface AppDeps extends ScimRouteDeps, AdminDeps, PassKitDeps {
  readonly health: () => Promise<void>;
  /** The built web app (dist/web); undefined serves a page saying it is not built. */
  readonly webRoot: string | undefined;
  /** Requests per second per client address to /v, /p and /passkit (0: none). */
  readonly publicRatePerSecond: number;
  /** Proxies in front that append to X-Forwarded-For (MUSTER_TRUST_PROXY; 0: the connection's address is the client's). */
  readonly trustProxyHops: number;
  /** When set, GET /metrics on this app answers to `Authorization: Bearer <it>`; unset, /metrics is 404 here. */
  readonly metricsToken: string | undefined;
}

/** In this process's memory: exact for one process. */
export const localThrottles: ThrottleFactory = (_scope, rate) => new RateLimiter(rate);

export function createApp(deps: AppDeps): Hono {
  // Routes kept apart by their first segment: a SCIM request is matched among SCIM's few (router.ts).
  const app = new Hono({ router: new FirstSegmentRouter() });
  // Background loops give way while requests are being served (runtime/turns.ts, backgroundTurn),
  // until the answer is sent: a large group's answer streams for seconds after its handler returned.
  app.use('*', async (c, next) => {
    const end = foregroundBegin();
    try {
      await next();
    } finally {
      whenSent(c.res, end);
    }
  });
  app.use('*', httpMetrics(deps.metrics));
  app.use('*', trustForwardedFor(deps.trustProxyHops));
  app.get('/metrics', metricsHandler(deps.metrics, deps.metricsToken));
  const scim = scimHandler(deps);
  app.all('/scim/v2/lists/:listId', scim);
  app.all('/scim/v2/lists/:listId/*', scim);

  app.get('/healthz', async (c) => {
    try {
      await deps.health();
      return c.json({ status: 'ok' });
    } catch {
      return c.json({ status: 'unavailable', detail: 'the database does not answer' }, 503);
    }
  });

  app.route('/api/v1', adminRoutes(deps));
  app.all('/api/*', (c) => {
    const auth = c.req.header('authorization') ?? '';
    if (auth.includes(TOKEN_PREFIX)) return c.json({ error: 'unauthorized', detail: 'a list\'s SCIM token cannot be used on the admin API' }, 401);
    return c.json({ error: 'not_found', detail: 'the admin API is under /api/v1; see /api/v1/openapi.json' }, 404);
  });

  // The public pages answer anyone: a per-address bucket keeps one client from filling the
  // verification log or the PassKit log, or from keeping the photo checks busy.
  // `throttles` (AdminDeps): shared by every node on PostgreSQL (src/limits), in this process's memory by default.
  const publicLimiter = (deps.throttles ?? localThrottles)('public', { perSecond: deps.publicRatePerSecond, burst: deps.publicRatePerSecond * 3 });
  const throttle = async (c: Context, next: Next) => {
    const wait = await publicLimiter.take(clientAddress(c));
    if (wait > 0) return c.text('Too many requests: try again in a few seconds.', 429, { 'retry-after': String(wait) });
    return next();
  };
  app.use('/v/*', throttle);
  app.use('/p/*', throttle);
  app.use('/passkit/*', throttle);
  app.use('/passes/*', throttle);
  app.get('/v/:code', verifyHandler(deps.credentials));
  app.get('/v/:code/photo', verifyPhotoHandler(deps.credentials));
  const upload = photoUploadPage(deps.photos);
  app.get('/p/:secret', upload.get);
  app.post('/p/:secret', upload.post);
  // Apple Wallet's web service and the holders' download links (docs/apple-wallet.md).
  app.route('/passkit', passKitRoutes(deps));
  app.get('/passes/apple/:file', passDownloadHandler(deps));

  const web = webApp(deps.webRoot);
  app.get('*', async (c, next) => (c.req.path.startsWith('/scim') || c.req.path.startsWith('/api/') || c.req.path.startsWith('/passkit/') || c.req.path === '/healthz' ? next() : web(c)));

  app.notFound((c) => {
    if (c.req.path.startsWith('/scim')) {
      return scimJson(new ScimError(404, undefined, 'SCIM lives under /scim/v2/lists/{listId}; run `muster lists create` for a base URL and token').toJSON(), 404);
    }
    return c.json({ error: 'not_found', detail: `nothing at ${c.req.path}` }, 404);
  });
  app.onError((err, c) => {
    if (err instanceof ClientAbortedError) {
      deps.log.info('request aborted by the client', { method: c.req.method, path: c.req.path, receivedBytes: err.receivedBytes });
      return new Response(null, { status: CLIENT_CLOSED_REQUEST });
    }
    if (databaseUnavailable(err)) {
      deps.log.error('database unavailable', { path: c.req.path, err: String(err) });
      return c.json({ error: 'database_unavailable', detail: `the database is not answering; try again in ${DATABASE_RETRY_AFTER_S} seconds` }, 503, { 'retry-after': String(DATABASE_RETRY_AFTER_S) });
    }
    deps.log.error('unhandled error', { path: c.req.path, err: err.stack });
    return c.json({ error: 'internal', detail: 'internal error; the request changed nothing' }, 500);
  });
  return app;
}
