/**
 * Admin API routes of email (docs/email.md): whether the installation sends email, the
 * organisation's sender name, reply-to and templates with previews, the messages and their states,
 * and the self-upload invitation by email. Registered on the admin API's Hono app, behind its
 * authentication and role checks (viewers read, owners and admins change).
 */
import type { Hono } from 'hono';
import type { EmailService } from '../email/index.js';
import type { WalletDelivery } from '../credentials/wallet-delivery.js';
import type { RouteHelpers } from './credential-routes.js';
import type { Env } from './admin-routes.js';
import { ApiError } from './api-error.js';

export interface EmailRouteDeps {
  readonly email: EmailService;
  readonly walletDelivery: WalletDelivery;
}

export function emailRoutes(api: Hono<Env>, deps: EmailRouteDeps, h: RouteHelpers): void {
  api.get('/email', async (c) => c.json(await deps.email.settings(c.get('orgId'))));
  api.put('/email', async (c) => c.json(await deps.email.saveSettings(c.get('orgId'), await h.body(c), h.meta(c))));
  api.get('/email/templates', async (c) => c.json({ templates: await deps.email.templates(c.get('orgId')) }));
  api.put('/email/templates/:kind', async (c) => c.json(await deps.email.saveTemplate(c.get('orgId'), c.req.param('kind'), await h.body(c), h.meta(c))));
  api.delete('/email/templates/:kind', async (c) => c.json(await deps.email.resetTemplate(c.get('orgId'), c.req.param('kind'), h.meta(c))));
  api.post('/email/templates/:kind/preview', async (c) => {
    const draft = c.req.header('content-type')?.includes('json') ? await h.body(c) : undefined;
    return c.json(await deps.email.preview(c.get('orgId'), c.req.param('kind'), draft));
  });
  api.get('/email/messages', async (c) => {
    const raw = c.req.query('limit');
    const limit = raw === undefined ? 50 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError(400, 'invalid_parameter', 'limit must be an integer from 1 to 500');
    return c.json({ messages: await deps.email.messages(c.get('orgId'), { personId: c.req.query('personId'), state: c.req.query('state'), limit }) });
  });
  api.post('/lists/:listId/people/:personId/photo-link/email', async (c) => {
    const list = await h.listOf(c);
    const b = c.req.header('content-type')?.includes('json') ? await h.body(c) : {};
    return c.json(await deps.email.invitePhoto(list, c.req.param('personId'), b, h.meta(c), h.origin(c)), 202);
  });
  // Wallet passes by email (issue 14): one person now, or a selection / the whole list as a job.
  api.post('/lists/:listId/people/:personId/wallet-passes/email', async (c) => {
    const list = await h.listOf(c);
    return c.json(await deps.walletDelivery.deliver(list, c.req.param('personId'), h.meta(c), h.origin(c)), 202);
  });
  api.post('/lists/:listId/wallet-passes/email', async (c) => {
    const list = await h.listOf(c);
    const b = c.req.header('content-type')?.includes('json') ? await h.body(c) : {};
    const jobId = await deps.walletDelivery.start(list, b, h.meta(c), h.origin(c));
    return c.json({ jobId, progress: `/api/v1/lists/${list.id}/jobs/${jobId}` }, 202);
  });
}
