/**
 * /api/v1/auth: the web app's first run, sign-in and sign-out. The only admin routes open
 * without a session; they refuse requests from other web sites (Origin check) so a hostile page
 * cannot sign a browser in to an account of its choosing (login CSRF).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { RateLimiter } from './rate-limit.js';
import type { Throttle, ThrottleFactory } from '../limits/shared-rate-limiter.js';
import { AccountError, type AccountContext, type AdminAccounts, type SessionInfo } from '../accounts/admin-accounts.js';
import { clearSessionCookie, sameOrigin, sessionCookie, setSessionCookie, type AdminEnv, type OriginSettings } from './admin-auth.js';
import { readJsonBody } from './body.js';
import { LOGIN_TTL_MS, SsoRefusal, ssoCookieKey, type OidcSignIn } from '../accounts/sso/oidc-sign-in.js';
import type { SsoConnection } from '../accounts/sso/sso-connections.js';

export interface AuthRouteDeps extends OriginSettings {
  readonly accounts: AdminAccounts;
  /** MUSTER_SETUP_TOKEN: when set, first-run set-up needs it. */
  readonly setupToken: string | undefined;
  readonly signInPerMinute: number;
  /** Sign-in with the organisation's OpenID Connect provider (docs/sso.md). */
  readonly sso: OidcSignIn;
  /** Shared by every node on PostgreSQL (src/limits); in this process's memory when absent. */
  readonly throttles?: ThrottleFactory;
  /** Where an unexpected failure of a sign-in with the provider is logged (the browser gets words, not a 500). */
  readonly log?: { error(msg: string, fields?: Record<string, unknown>): void };
}

/** The name's prefix of the cookies that bind sign-ins with the provider to the browser that started them (hashed in oidc_logins), one per sign-in. */
export const SSO_COOKIE = 'muster_sso';
/** Where the provider sends the browser back: the redirect URI an owner registers (docs/sso.md). */
export const SSO_CALLBACK_PATH = '/api/v1/auth/sso/callback';

/** Muster's own origin as browsers reach it: MUSTER_PUBLIC_URL, else the origin of this request. */
export function publicOrigin(c: Context, publicUrl: string | undefined): string {
  if (publicUrl) return new URL(publicUrl).origin;
  const url = new URL(c.req.url);
  return `${url.protocol}//${url.host}`;
}

/** What the sign-in page needs of a connection: never more than its name and whether passwords work. */
const ssoView = (conn: SsoConnection | undefined) => (conn ? { orgId: conn.orgId, name: conn.displayName, passwordsOff: conn.passwordsOff } : null);

const FORWARDED_ADDRESS = 'musterForwardedFor';

/**
 * The client's address: the connection's, or, behind a trusted reverse proxy (MUSTER_TRUST_PROXY),
 * the one that proxy saw (`trustForwardedFor`). Per-address limits and the sign-in backoff key on
 * it: behind a proxy, the connection's address would be the proxy's, the same for everyone.
 */
export function clientAddress(c: Context): string {
  const forwarded = (c.var as Record<string, unknown> | undefined)?.[FORWARDED_ADDRESS];
  if (typeof forwarded === 'string') return forwarded;
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress ?? 'unknown';
}

/** Who acts and from where, for the organisation's security log: the signed-in admin or admin key, and the client's address. */
export const who = (c: Context<AdminEnv>): AccountContext => ({ actor: c.get('actor'), address: clientAddress(c) });

/**
 * With MUSTER_TRUST_PROXY, the client's address is the X-Forwarded-For entry the outermost trusted
 * proxy appended: each proxy appends the address it saw (nginx `$proxy_add_x_forwarded_for`), so
 * with `hops` proxies in front it is the `hops`-th entry from the right, and anything to its left
 * was written by the client and is ignored (RFC 7239 §5.2 describes the same chain for Forwarded).
 * A header shorter than that (a proxy that replaced it) gives its leftmost entry.
 */
export function trustForwardedFor(hops: number) {
  return async (c: Context, next: () => Promise<void>): Promise<void> => {
    if (hops > 0) {
      const header = c.req.header('x-forwarded-for');
      if (header) {
        const entries = header.split(',');
        const address = entries[Math.max(0, entries.length - hops)]!.trim();
        if (address && address.length <= 100) c.set(FORWARDED_ADDRESS as never, address as never);
      }
    }
    await next();
  };
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
  const throttles = deps.throttles ?? ((_scope: string, rate: { perSecond: number; burst: number }) => new RateLimiter(rate));
  // Per client address, across every node when they share a database: slows password guessing and spares scrypt's threads.
  const limiter = throttles('sign-in', { perSecond: deps.signInPerMinute / 60, burst: Math.max(1, Math.ceil(deps.signInPerMinute / 2)) });
  // The sign-in page asks which provider signs in an address as it is typed: its own, larger budget, so typing never uses up the sign-ins'.
  const discoverLimiter = throttles('sso-discover', { perSecond: (deps.signInPerMinute * 3) / 60, burst: Math.max(1, deps.signInPerMinute * 2) });
  const input = async (c: Context, bucket: Throttle = limiter): Promise<Record<string, unknown>> => {
    if (!sameOrigin(c, deps)) throw new AccountError(403, 'csrf_failed', 'this request came from another web site and was refused');
    const wait = await bucket.take(clientAddress(c));
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

  /**
   * Which identity provider signs in the person typing this address (by its domain), or the
   * organisation a sign-in link names (`/?org=<id>`): the sign-in page then offers "Sign in with …".
   */
  r.post('/sso/discover', async (c) => {
    const b = await input(c, discoverLimiter);
    const conn = typeof b.org === 'string' && b.org.length <= 100 ? await deps.sso.forOrg(b.org)
      : typeof b.email === 'string' ? await deps.sso.forEmail(b.email) : undefined;
    return c.json({ sso: ssoView(conn) });
  });

  /**
   * Starts a sign-in with the organisation's provider: a browser navigation (not fetch), answered
   * with a redirect to the provider's authorization endpoint. Failures come back to the sign-in
   * page as `/?sso_error=<code>`, which the page puts in words (docs/errors.md).
   */
  r.get('/sso/start', async (c) => {
    const back = (code: string) => c.redirect(`/?sso_error=${encodeURIComponent(code)}`, 303);
    c.header('cache-control', 'no-store');
    if ((await limiter.take(clientAddress(c))) > 0) return back('too_many_attempts');
    const org = c.req.query('org') ?? '';
    const hint = c.req.query('login_hint');
    try {
      const started = await deps.sso.start(org.slice(0, 100), publicOrigin(c, deps.publicUrl) + SSO_CALLBACK_PATH, hint);
      // SameSite=Lax: the provider's redirect back is a top-level GET navigation from its site, which Lax lets the cookie ride (RFC 6265bis §8.8.2).
      // One cookie per sign-in, named from its state: a sign-in started in a second tab leaves the first one's alone.
      setCookie(c, `${SSO_COOKIE}_${started.key}`, started.browser, {
        httpOnly: true, sameSite: 'Lax', secure: publicOrigin(c, deps.publicUrl).startsWith('https:'), path: '/api/v1/auth/sso', maxAge: LOGIN_TTL_MS / 1000,
      });
      return c.redirect(started.url.href, 303);
    } catch (err) {
      if (err instanceof SsoRefusal) return back(err.code);
      throw err;
    }
  });

  /** The provider's answer (OpenID Connect Core 1.0 §3.1.2.5): on success a session, exactly as a password's, and the app. */
  r.get('/sso/callback', async (c) => {
    c.header('cache-control', 'no-store');
    const state = c.req.query('state');
    const name = state && state.length <= 200 ? `${SSO_COOKIE}_${ssoCookieKey(state)}` : undefined;
    const browser = name ? getCookie(c, name) : undefined;
    if (name) deleteCookie(c, name, { path: '/api/v1/auth/sso' });
    try {
      const { session } = await deps.sso.callback(new URL(c.req.url).searchParams, browser, publicOrigin(c, deps.publicUrl) + SSO_CALLBACK_PATH, c.req.header('user-agent'), clientAddress(c));
      setSessionCookie(c, session, deps);
      return c.redirect('/', 303);
    } catch (err) {
      if (err instanceof SsoRefusal) return c.redirect(`/?sso_error=${encodeURIComponent(err.code)}`, 303);
      // The browser came back from the provider: it gets the sign-in page with words, not a JSON 500.
      deps.log?.error('sign-in with the identity provider failed unexpectedly', { err: String(err) });
      return c.redirect('/?sso_error=unexpected', 303);
    }
  });

  r.post('/sign-out', async (c) => {
    if (!sameOrigin(c, deps)) throw new AccountError(403, 'csrf_failed', 'this request came from another web site and was refused');
    await deps.accounts.signOut(sessionCookie(c), clientAddress(c));
    clearSessionCookie(c);
    return c.body(null, 204);
  });
  return r;
}
