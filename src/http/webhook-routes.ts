/**
 * Admin API routes of webhooks (docs/webhooks.md): an organisation's endpoints, their secrets
 * (shown once), deliveries with their attempts, replay, test-send, resume. Registered on the admin
 * API's Hono app, behind its authentication and role checks (viewers read; owners, admins and
 * admin API keys change).
 */
import type { Context, Hono } from 'hono';
import { WebhookError, type WebhookService } from '../events/webhook-service.js';
import type { RouteHelpers } from './credential-routes.js';
import type { Env } from './admin-routes.js';
import { ApiError } from './api-error.js';
import { who } from './auth-routes.js';

export interface WebhookRouteDeps {
  readonly webhooks: WebhookService;
}

/** The service's refusals, in the admin API's error shape. */
const mapped = <T>(fn: (c: Context<Env>) => Promise<T>) => async (c: Context<Env>): Promise<T> => {
  try {
    return await fn(c);
  } catch (err) {
    if (err instanceof WebhookError) throw new ApiError(err.status, err.code, err.message);
    throw err;
  }
};

export function webhookRoutes(api: Hono<Env>, deps: WebhookRouteDeps, h: RouteHelpers): void {
  const w = deps.webhooks;
  const org = (c: Context<Env>) => c.get('orgId');
  const id = (c: Context<Env>) => c.req.param('endpointId') ?? '';
  const optionalBody = async (c: Context<Env>) => (c.req.header('content-type')?.includes('json') ? h.body(c) : {});
  api.get('/webhooks/event-types', (c) => c.json({ eventTypes: w.eventTypes() }));
  api.get('/webhooks', mapped(async (c) => c.json({ endpoints: await w.list(org(c)) })));
  api.post('/webhooks', mapped(async (c) => c.json(await w.create(org(c), await h.body(c), who(c)), 201)));
  api.get('/webhooks/:endpointId', mapped(async (c) => c.json({ endpoint: await w.get(org(c), id(c)) })));
  api.patch('/webhooks/:endpointId', mapped(async (c) => c.json({ endpoint: await w.update(org(c), id(c), await h.body(c), who(c)) })));
  api.delete('/webhooks/:endpointId', mapped(async (c) => {
    await w.remove(org(c), id(c), who(c));
    return c.body(null, 204);
  }));
  api.post('/webhooks/:endpointId/rotate-secret', mapped(async (c) => c.json(await w.rotateSecret(org(c), id(c), await optionalBody(c), who(c)))));
  api.post('/webhooks/:endpointId/resume', mapped(async (c) => c.json({ endpoint: await w.resume(org(c), id(c), who(c)) })));
  api.post('/webhooks/:endpointId/test', mapped(async (c) => c.json({ delivery: await w.sendTest(org(c), id(c)) }, 202)));
  api.get('/webhooks/:endpointId/deliveries', mapped(async (c) => {
    const raw = c.req.query('limit');
    const limit = raw === undefined ? 50 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ApiError(400, 'invalid_parameter', 'limit must be an integer from 1 to 200');
    const state = c.req.query('state'), before = c.req.query('before');
    return c.json({ deliveries: await w.deliveries(org(c), id(c), { limit, ...(state ? { state } : {}), ...(before ? { before } : {}) }) });
  }));
  api.get('/webhooks/:endpointId/deliveries/:deliveryId', mapped(async (c) => c.json({ delivery: await w.delivery(org(c), id(c), c.req.param('deliveryId') ?? '') })));
  api.post('/webhooks/:endpointId/deliveries/:deliveryId/replay', mapped(async (c) => c.json({ delivery: await w.replay(org(c), id(c), c.req.param('deliveryId') ?? '') }, 202)));
}
