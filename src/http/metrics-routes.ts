/**
 * HTTP metrics: every request counted by its route template (the pattern that answered it, never
 * the raw path: bounded cardinality), status and calling IdP, and timed; and GET /metrics, the
 * Prometheus text format (https://prometheus.io/docs/instrumenting/exposition_formats/), on the
 * main port only behind MUSTER_METRICS_TOKEN, or alone on MUSTER_METRICS_LISTEN (main.ts).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Metrics } from '../metrics/index.js';
import { whenSent } from './scim-response.js';

/** What the SCIM handler learnt of a request that the route pattern (`/scim/v2/lists/:listId/*`) cannot say. */
interface RouteNote {
  route: string;
  idp: string | undefined;
}

const notes = new WeakMap<Request, RouteNote>();

/** Called by the SCIM handler: the request's SCIM route template and the IdP it came from. */
export function noteRoute(c: Context, route: string, idp: string | undefined): void {
  notes.set(c.req.raw, { route, idp });
}

/** Counts and times every request; the first middleware, so that it sees every answer. */
export function httpMetrics(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    metrics.httpInFlight.inc();
    try {
      await next();
    } finally {
      const note = notes.get(c.req.raw);
      // The pattern of the handler that answered. A 404 whose pattern is the app-wide `*` (which
      // Hono reports as `/*`: no route, or the web app's catch-all) is counted as `unmatched`.
      const path = routePath(c);
      const route = note?.route ?? (c.res.status === 404 && path === '/*' ? 'unmatched' : path);
      const status = c.res.status;
      // Until the answer is sent: a large group's streams for seconds after its handler returned.
      whenSent(c.res, () => {
        metrics.httpInFlight.dec();
        metrics.request(c.req.method, route, status, note?.idp, (performance.now() - started) / 1000);
      });
    }
  };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The answer to GET /metrics: the registry's text when the bearer token matches; off (404) without a token. */
export function metricsHandler(metrics: Metrics, token: string | undefined) {
  const expected = token ? digest(token) : undefined;
  return async (c: Context): Promise<Response> => {
    if (!expected) {
      return c.json({ error: 'not_found', detail: 'metrics are not served on this port: set MUSTER_METRICS_TOKEN, or MUSTER_METRICS_LISTEN for a port of their own (docs/operations.md#monitoring)' }, 404);
    }
    const auth = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    // Hashes of equal length, compared in constant time (CONVENTIONS 13).
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      return c.json({ error: 'unauthorized', detail: 'GET /metrics needs Authorization: Bearer <MUSTER_METRICS_TOKEN>' }, 401, { 'www-authenticate': 'Bearer realm="metrics"' });
    }
    const { body, contentType } = await metrics.render();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  };
}
