/**
 * The installation owner's admin API (issue 14, item 4): the installation's own Apple and Google
 * Wallet credentials, which every organisation without its own issues passes under, and the
 * installation's security log. Only the installation owner's signed-in session may: an admin API
 * key belongs to one organisation, and an organisation's owners own only their organisation.
 */
import type { Context, Hono } from 'hono';
import type { InstallationWallets } from '../credentials/installation-wallets.js';
import type { Env } from './admin-routes.js';
import { ApiError } from './api-error.js';

export interface InstallationRouteDeps {
  readonly installationWallets: InstallationWallets;
}

interface Helpers {
  readonly body: (c: Context<Env>) => Promise<Record<string, unknown>>;
  readonly who: (c: Context<Env>) => { actor: string; address?: string };
}

const NOT_OWNER = 'only the installation\'s owner (the account that set Muster up; muster admins installation-owner moves it) can change the installation\'s wallet credentials; your organisation may set up its own under Wallet settings';

export function installationRoutes(api: Hono<Env>, deps: InstallationRouteDeps, h: Helpers): void {
  const only = (c: Context<Env>) => {
    if (!c.get('installationOwner')) throw new ApiError(403, 'not_installation_owner', NOT_OWNER);
  };
  const w = deps.installationWallets;
  api.get('/installation/wallets', async (c) => {
    only(c);
    return c.json(await w.view());
  });
  api.put('/installation/apple-wallet', async (c) => {
    only(c);
    return c.json(await w.putApple(await h.body(c), h.who(c)));
  });
  api.delete('/installation/apple-wallet', async (c) => {
    only(c);
    await w.removeApple(h.who(c));
    return c.body(null, 204);
  });
  api.put('/installation/google-wallet', async (c) => {
    only(c);
    return c.json(await w.putGoogle(await h.body(c), h.who(c)));
  });
  api.delete('/installation/google-wallet', async (c) => {
    only(c);
    await w.removeGoogle(h.who(c));
    return c.body(null, 204);
  });
  api.get('/installation/security-events', async (c) => {
    only(c);
    const raw = c.req.query('limit');
    const limit = raw === undefined ? 50 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError(400, 'invalid_parameter', 'limit must be an integer from 1 to 500');
    return c.json(await w.events(limit));
  });
}
