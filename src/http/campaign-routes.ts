/**
 * Admin API routes of photo campaigns (docs/campaigns.md): start one on a list or a filter of it,
 * follow it (totals, a page of its people), resend to one person, and the list's automatic
 * invitations of new people. Registered on the admin API's Hono app, behind its authentication
 * and role checks (viewers read, owners and admins change).
 */
import type { Hono } from 'hono';
import type { CampaignService } from '../email/index.js';
import type { RouteHelpers } from './credential-routes.js';
import type { Env } from './admin-routes.js';
import { ApiError } from './api-error.js';

export interface CampaignRouteDeps {
  readonly campaigns: CampaignService;
}

function int(v: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, 'invalid_parameter', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

export function campaignRoutes(api: Hono<Env>, deps: CampaignRouteDeps, h: RouteHelpers): void {
  api.get('/lists/:listId/campaigns', async (c) => c.json(await deps.campaigns.all(await h.listOf(c))));
  api.post('/lists/:listId/campaigns', async (c) => c.json(await deps.campaigns.start(await h.listOf(c), await h.body(c), h.meta(c), h.origin(c)), 202));
  api.post('/lists/:listId/campaigns/preview', async (c) => c.json(await deps.campaigns.preview(await h.listOf(c), await h.body(c))));
  api.get('/lists/:listId/campaign-settings', async (c) => c.json(await deps.campaigns.autoSettings(await h.listOf(c))));
  api.put('/lists/:listId/campaign-settings', async (c) => c.json(await deps.campaigns.saveAutoSettings(await h.listOf(c), await h.body(c), h.meta(c), h.origin(c))));
  api.get('/lists/:listId/campaigns/:campaignId', async (c) => c.json(await deps.campaigns.get(await h.listOf(c), c.req.param('campaignId'))));
  api.get('/lists/:listId/campaigns/:campaignId/people', async (c) => c.json(await deps.campaigns.people(await h.listOf(c), c.req.param('campaignId'), {
    filter: c.req.query('filter'), offset: int(c.req.query('offset'), 'offset', 0, 0, 10_000_000), limit: int(c.req.query('limit'), 'limit', 50, 1, 500),
  })));
  api.post('/lists/:listId/campaigns/:campaignId/people/:personId/resend', async (c) => c.json(await deps.campaigns.resend(await h.listOf(c), c.req.param('campaignId'), c.req.param('personId'), h.meta(c)), 202));
}
