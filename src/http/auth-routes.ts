/**
 * /api/v1/auth: the web app's first run, sign-in and sign-out. The only admin routes open
 * without a session; they refuse requests from other web sites (Origin check) so a hostile page
 * cannot sign a browser in to an account of its choosing (login CSRF).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import { RateLimiter } from './rate-limit.js';
import { AccountError, type AdminAccounts, type SessionInfo } from '../provisioning/admin-accounts.js';
import { clearSessionCookie, sameOrigin, sessionCookie, setSessionCookie, type AdminEnv, type OriginSettings } from './admin-auth.js';
import { readJsonBody } from './body.js';

export interface AuthRouteDeps extends OriginSettings {
  readonly accounts: AdminAccounts;
  /** MUSTER_SETUP_TOKEN: when set, first-run set-up needs it. */
  readonly setupToken: string | undefined;
  readonly signInPerMinute: number;
}

/** The address of the connection (not a header a client can write). */
export function clientAddress(c: Context): string {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress ?? 'unknown';
}

/** Sign-in or set-up throttled: 429 (RFC 6585 §4) with the Retry-After it suggests (RFC 9110 §10.2.3), so a client need not guess. */
export class TooManyAttempts extends AccountError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'too_many_attempts', `too many sign-in attempts from your address; try again in ${retryAfterSeconds} s`);
  }
}

const isLoopback = (addr: string) => /^(127\.|::1$|::ffff:127\.)/.test(addr);

/**
 * Who may create the first owner: with MUSTER_SETUP_TOKEN, whoever knows it; without, only a
 * browser on the same machine (`npm start` listens on 127.0.0.1). A server reachable from the
 * network is never open to the first passer-by: create its owner with `muster admins create`.
 */
type SetupAccess = 'token' | 'open' | 'closed';
const setupAccess = (c: Context, token: string | undefined): SetupAccess => (token ? 'token' : isLoopback(clientAddress(c)) ? 'open' : 'closed');
const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const sessionView = (s: SessionInfo | undefined, setupRequired: boolean, access?: SetupAccess) => ({
  setupRequired,
  ...(setupRequired && access ? { setupAccess: access } : {}),
  admin: s ? { id: s.admin.id, email: s.admin.email, name: s.admin.name, role: s.admin.role, installationOwner: s.admin.installationOwner } : null,
  organisation: s ? { id: s.organisation.id, name: s.organisation.name } : null,
  csrfToken: s?.csrfToken ?? null,
});

export function authRoutes(deps: AuthRouteDeps): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();
  // Per client address, in this node's memory: slows password guessing and spares scrypt's threads.
  const limiter = new RateLimiter({ perSecond: deps.signInPerMinute / 60, burst: Math.max(1, Math.ceil(deps.signInPerMinute / 2)) });
  const input = async (c: Context): Promise<Record<string, unknown>> => {
    if (!sameOrigin(c, deps)) throw new AccountError(403, 'csrf_failed', 'this request came from another web site and was refused');
    const wait = limiter.take(clientAddress(c));
    if (wait > 0) throw new TooManyAttempts(wait);
    const b = await readJsonBody(c.req.raw, 16_384);
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new AccountError(400, 'invalid_body', 'send a JSON object');
    return b as Record<string, unknown>;
  };

  r.get('/session', async (c) => {
    const s = await deps.accounts.session(sessionCookie(c));
    c.header('cache-control', 'no-store');
    return c.json(sessionView(s, s ? false : await deps.accounts.setupRequired(), setupAccess(c, deps.setupToken)));
  });

  r.post('/setup', async (c) => {
    const b = await input(c);
    const access = setupAccess(c, deps.setupToken);
    if (access === 'closed') throw new AccountError(403, 'setup_closed', 'first-run set-up is open only from the machine Muster runs on (localhost); create the owner with `muster admins create --role owner`, or set MUSTER_SETUP_TOKEN');
    if (access === 'token' && (typeof b.setupToken !== 'string' || !sameSecret(b.setupToken, deps.setupToken!))) {
      throw new AccountError(403, 'setup_token_required', 'enter the set-up token: the value of MUSTER_SETUP_TOKEN on the server');
    }
    const s = await deps.accounts.setUp(b, c.req.header('user-agent'), clientAddress(c));
    setSessionCookie(c, s, deps);
    return c.json(sessionView(s, false), 201);
  });

  r.post('/sign-in', async (c) => {
    const s = await deps.accounts.signIn(await input(c), c.req.header('user-agent'), clientAddress(c));
    setSessionCookie(c, s, deps);
    return c.json(sessionView(s, false));
  });

  r.post('/sign-out', async (c) => {
    if (!sameOrigin(c, deps)) throw new AccountError(403, 'csrf_failed', 'this request came from another web site and was refused');
    await deps.accounts.signOut(sessionCookie(c), clientAddress(c));
    clearSessionCookie(c);
    return c.body(null, 204);
  });
  return r;
}
