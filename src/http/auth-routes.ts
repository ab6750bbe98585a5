/**
 * /api/v1/auth: the web app's first run, sign-in and sign-out. The only admin routes open
 * without a session; they refuse requests from other web sites (Origin check) so a hostile page
 * cannot sign a browser in to an account of its choosing (login CSRF).
 */
import { Hono, type Context } from 'hono';
import { AccountError, type AdminAccounts, type SessionInfo } from '../provisioning/admin-accounts.js';
import { clearSessionCookie, sameOrigin, sessionCookie, setSessionCookie, type AdminEnv } from './admin-auth.js';
import { readJsonBody } from './body.js';

export interface AuthRouteDeps {
  readonly accounts: AdminAccounts;
  readonly publicUrl: string | undefined;
}

const sessionView = (s: SessionInfo | undefined, setupRequired: boolean) => ({
  setupRequired,
  admin: s ? { id: s.admin.id, email: s.admin.email, name: s.admin.name, role: s.admin.role } : null,
  organisation: s ? { id: s.organisation.id, name: s.organisation.name } : null,
  csrfToken: s?.csrfToken ?? null,
});

export function authRoutes(deps: AuthRouteDeps): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();
  const input = async (c: Context): Promise<Record<string, unknown>> => {
    if (!sameOrigin(c, deps.publicUrl)) throw new AccountError(403, 'csrf_failed', 'this request came from another web site and was refused');
    const b = await readJsonBody(c.req.raw, 16_384);
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new AccountError(400, 'invalid_body', 'send a JSON object');
    return b as Record<string, unknown>;
  };

  r.get('/session', async (c) => {
    const s = await deps.accounts.session(sessionCookie(c));
    c.header('cache-control', 'no-store');
    return c.json(sessionView(s, s ? false : await deps.accounts.setupRequired()));
  });

  r.post('/setup', async (c) => {
    const s = await deps.accounts.setUp(await input(c), c.req.header('user-agent'));
    setSessionCookie(c, s, deps.publicUrl);
    return c.json(sessionView(s, false), 201);
  });

  r.post('/sign-in', async (c) => {
    const s = await deps.accounts.signIn(await input(c), c.req.header('user-agent'));
    setSessionCookie(c, s, deps.publicUrl);
    return c.json(sessionView(s, false));
  });

  r.post('/sign-out', async (c) => {
    if (!sameOrigin(c, deps.publicUrl)) throw new AccountError(403, 'csrf_failed', 'this request came from another web site and was refused');
    await deps.accounts.signOut(sessionCookie(c));
    clearSessionCookie(c);
    return c.body(null, 204);
  });
  return r;
}
