/**
 * Who is calling the admin API: an admin API key (automation: `Authorization: Bearer mst_admin_…`)
 * or a browser session of an admin account (the web app). Sessions ride in an HttpOnly,
 * SameSite=Strict cookie; every state-changing request made with one must also carry the
 * session's CSRF token in `x-csrf-token` (synchronizer token, OWASP CSRF Cheat Sheet) and, when
 * the browser sends an Origin, come from Muster's own origin.
 */
import type { Context, Next } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { TOKEN_PREFIX } from '../secrets/tokens.js';
import { AdminAccounts, type SessionInfo } from '../accounts/admin-accounts.js';
import type { AdminKeys } from '../accounts/admin-keys.js';
import type { AdminRole } from '../store/index.js';

export const SESSION_COOKIE = 'muster_session';

/** `installationOwner`: the account may set the installation's own wallet credentials (an owner's session only; never an admin key). */
export type AdminEnv = { Variables: { orgId: string; actor: string; role: AdminRole; adminId: string | null; installationOwner: boolean } };

export interface AdminAuthDeps extends OriginSettings {
  readonly adminKeys: AdminKeys;
  readonly accounts: AdminAccounts;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const fail = (c: Context, status: 401 | 403, error: string, detail: string) =>
  c.json({ error, detail }, status, status === 401 ? { 'www-authenticate': 'Bearer realm="muster-admin"' } : {});

/**
 * What the admin routes know of their own origin. X-Forwarded-Proto and X-Forwarded-Host are
 * written by whoever sends the request, so they count only with MUSTER_TRUST_PROXY, when a
 * reverse proxy in front of Muster sets them (and overwrites what clients sent).
 */
export interface OriginSettings {
  readonly publicUrl: string | undefined;
  readonly trustProxy: boolean;
}

/** The first value of a proxy header (a chain of proxies appends with commas; the first is the client's side). */
const forwarded = (c: Context, name: string, o: OriginSettings): string | undefined =>
  o.trustProxy ? c.req.header(name)?.split(',')[0]?.trim() || undefined : undefined;

/** True when the request is https at the client (directly, per MUSTER_PUBLIC_URL, or per a trusted proxy's X-Forwarded-Proto). */
function isHttps(c: Context, o: OriginSettings): boolean {
  return new URL(c.req.url).protocol === 'https:' || o.publicUrl?.startsWith('https:') === true || forwarded(c, 'x-forwarded-proto', o) === 'https';
}

/** A browser's Origin, when it sends one, must be this server's: MUSTER_PUBLIC_URL's, or the Host's (a trusted proxy's X-Forwarded-Host). */
export function sameOrigin(c: Context, o: OriginSettings): boolean {
  const origin = c.req.header('origin');
  if (!origin) return true;
  const host = forwarded(c, 'x-forwarded-host', o) ?? c.req.header('host');
  try {
    const u = new URL(origin);
    if (o.publicUrl && u.origin === new URL(o.publicUrl).origin) return true;
    return u.host === host;
  } catch {
    return false;
  }
}

export function setSessionCookie(c: Context, s: SessionInfo, o: OriginSettings): void {
  if (!s.cookie) return;
  setCookie(c, SESSION_COOKIE, s.cookie, { httpOnly: true, sameSite: 'Strict', secure: isHttps(c, o), path: '/', maxAge: 7 * 24 * 3600 });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}

export const sessionCookie = (c: Context): string | undefined => getCookie(c, SESSION_COOKIE);

/** The admin API's authentication and role check, run before every route but /auth/* and the OpenAPI document. */
export function adminAuth(deps: AdminAuthDeps) {
  return async (c: Context<AdminEnv>, next: Next) => {
    const auth = c.req.header('authorization');
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (m?.[1]?.startsWith(TOKEN_PREFIX)) return fail(c, 401, 'unauthorized', 'a list\'s SCIM token cannot be used on the admin API; use an admin API key (muster admin-keys create)');
      const key = m ? await deps.adminKeys.authenticate(m[1]!) : undefined;
      if (!key) return fail(c, 401, 'unauthorized', 'send "Authorization: Bearer <admin API key>"; create one with: muster admin-keys create --org ORG');
      c.set('orgId', key.orgId);
      c.set('actor', `admin-key:${key.id}`);
      // A key is for automation: it does what an admin does, but does not manage accounts.
      c.set('role', 'admin');
      c.set('adminId', null);
      c.set('installationOwner', false);
      return next();
    }
    const session = await deps.accounts.session(sessionCookie(c));
    if (!session) return fail(c, 401, 'unauthorized', 'sign in to Muster, or send "Authorization: Bearer <admin API key>" (muster admin-keys create)');
    if (!SAFE.has(c.req.method)) {
      if (!sameOrigin(c, deps)) return fail(c, 403, 'csrf_failed', 'this request came from another web site and was refused');
      if (!AdminAccounts.csrfMatches(session, c.req.header('x-csrf-token'))) return fail(c, 403, 'csrf_failed', 'the request lacks this session\'s CSRF token (x-csrf-token); reload the page and try again');
      if (session.admin.role === 'viewer') return fail(c, 403, 'forbidden', 'your account can view but not change anything; ask an owner for the admin role');
    }
    c.set('orgId', session.admin.orgId);
    c.set('actor', `admin:${session.admin.email}`);
    c.set('role', session.admin.role);
    c.set('adminId', session.admin.id);
    c.set('installationOwner', session.admin.installationOwner);
    return next();
  };
}
